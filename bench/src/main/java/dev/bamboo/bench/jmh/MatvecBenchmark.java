package dev.bamboo.bench.jmh;

import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * One decode-step matrix-vector product at 7B shapes, per weight type and thread count. Each invocation works on
 * the next of several copies of the matrix (about 1 GiB in all), so the weights stream from memory as in decode
 * rather than from cache. The {@code gb} counter is the GB/s-equivalent: weight bytes read per second (file bytes).
 * With {@code activePercent} below 100 it measures a row gather instead, the sparse FFN's gate/up reads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g", "-XX:+UseTransparentHugePages", "-XX:+UseParallelGC"})
public class MatvecBenchmark {
    /** Total weight bytes kept live: far above any cache, well under the 2 GB per benchmark budget. */
    private static final long WORKING_SET = 1L << 30;

    /** A ggml type, or Q4_0_PACKED / Q8_0_PACKED: repacked at load as the CPU engine runs it. */
    @Param({"Q4_0", "Q4_0_PACKED", "Q8_0", "Q8_0_PACKED", "F16", "BF16", "F32"})
    public String type;

    /** rows x cols: attention (4096x4096), FFN up/gate (14336x4096), FFN down (4096x14336). */
    @Param({"4096x4096", "14336x4096", "4096x14336"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    /**
     * One copy instead of a gigabyte of them: with a small shape (e.g. 256x4096) the matrix stays in cache and the
     * score is the kernel's arithmetic rate, not the memory's.
     */
    @Param({"false"})
    public boolean inCache;

    /**
     * Below 100, a gather instead: the rows of a fixed random list of this share of them, ascending ({@code dotRows}),
     * as the sparse FFN reads its gate and up rows; {@code gb} then counts the listed rows' bytes.
     */
    @Param({"100"})
    public int activePercent;

    /**
     * With {@code Q4_0_PACKED}: each copy is the gate part of neuron bundles packed from three such matrices ({@code
     * Q4_0NeuronBundles.part}), as a predicted engine's FFN matrices are: rows of 2.3 KB (at 4096 columns) spread 6.9
     * KB apart. The gigabyte of copies then holds bundles of a third as many matrices.
     */
    @Param({"false"})
    public boolean bundlePart;

    private Arena arena;
    private Tensor[] copies;
    private ActivationVector x;
    private float[] out;
    private ComputePool pool;
    private int next;
    private long matrixBytes;
    private int[] list;
    private long listBytes;

    @Setup(Level.Trial)
    public void setUp() {
        boolean packed = type.endsWith("_PACKED");
        GGMLType ggml = GGMLType.valueOf(type.replace("_PACKED", ""));
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]), cols = Integer.parseInt(dims[1]);
        matrixBytes = rows * ggml.bytesFor(cols);
        if (bundlePart && !type.equals("Q4_0_PACKED")) throw new IllegalArgumentException("bundlePart needs type=Q4_0_PACKED, not " + type);
        int count = inCache ? 1 : (int) Math.max(2, WORKING_SET / (bundlePart ? 3 * matrixBytes : matrixBytes));
        arena = Arena.ofShared();
        pool = new ComputePool(threads);
        copies = new Tensor[count];
        for (int c = 0; c < count; c++) {
            if (bundlePart) {
                copies[c] = bundlePart(ggml, rows, cols, c);
                continue;
            }
            MemorySegment data = arena.allocate(matrixBytes, 64);
            WeightData.fill(ggml, data, c);
            copies[c] = Tensors.of("w" + c, ggml, rows, cols, data);
            if (packed) copies[c] = Tensors.packForCpu(copies[c], pool);
        }
        Random random = new Random(42);
        float[] values = new float[cols];
        for (int i = 0; i < cols; i++) values[i] = (float) random.nextGaussian();
        x = ActivationVector.of(values);
        x.q8(); // quantized once per token in a real decode step, not per matrix
        out = new float[rows];
        if (activePercent < 100) {
            list = IntStream.range(0, rows).filter(r -> random.nextInt(100) < activePercent).toArray();
            listBytes = list.length * ggml.bytesFor(cols);
        }
    }

    /** The gate part of bundles packed from three matrices whose file bytes are freed once packed. */
    private Tensor bundlePart(GGMLType ggml, int rows, int cols, int copy) {
        try (Arena file = Arena.ofShared()) {
            Tensor[] parts = new Tensor[3];
            for (int p = 0; p < 3; p++) {
                MemorySegment data = file.allocate(matrixBytes, 64);
                WeightData.fill(ggml, data, 3 * copy + p);
                parts[p] = Tensors.of("w" + copy + "." + p, ggml, rows, cols, data);
            }
            return Q4_0NeuronBundles.of(parts[0], parts[1], parts[2], pool).part(Q4_0NeuronBundles.Part.GATE);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }


    @Benchmark
    public float matvec(GigabyteCounter bytes) {
        Tensor w = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        if (list == null) {
            pool.forRange((int) w.rows(), 16, (from, to) -> w.matvec(x, out, from, to));
            bytes.gb += matrixBytes * 1e-9;
        } else {
            pool.forRange(list.length, 16, (from, to) -> w.dotRows(list, from, to, x, out));
            bytes.gb += listBytes * 1e-9;
        }
        return out[0];
    }
}
