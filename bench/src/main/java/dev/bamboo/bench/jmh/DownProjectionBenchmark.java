package dev.bamboo.bench.jmh;

import dev.bamboo.runtime.forward.ParallelOps;
import dev.bamboo.runtime.forward.RowAccumulator;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bamboo.bench.jmh.FfnLayerFixture.BAMBOO_7B_FFN;
import static dev.bamboo.bench.jmh.FfnLayerFixture.BAMBOO_7B_HIDDEN;

/**
 * The sparse FFN's down projection for a file that has only {@code ffn_down} ([hidden × ffn]: neuron i's output is
 * column i), one token, Bamboo-7B shape, {@code activePercent}% of the neurons active (a fixed random list). The two
 * ways the issue names, and the dense product for scale:
 * <ul>
 *   <li>{@code transposedRows}: what the runtime does ({@code TransposedDown}): {@code ffn_down} transposed once at
 *       load, so the active neurons' outputs are rows, accumulated by {@link RowAccumulator} (reads active rows only);</li>
 *   <li>{@code columnGather}: no copy; each output row reads the active neurons' columns of {@code ffn_down} (a value
 *       here and there in every row: at 15 % of 32 two-byte values per cache line, nearly every line is touched);</li>
 *   <li>{@code denseMatvec}: the dense product over the mostly-zero activations (what block-quantized {@code ffn_down}
 *       gets, where neither of the two is exact).</li>
 * </ul>
 * Each call takes the next of {@value #LAYERS} layers, as decode does, so that the active rows of one call are not
 * still in the cache at the next (15 % of one layer's rows, 18 MB, would fit this machine's last-level cache).
 * Memory: {@value #LAYERS} layers of {@code ffn_down} and its transposed copy, 117 MB each in F16 or BF16.
 */
public class DownProjectionBenchmark extends OneTokenBenchmark {
    @Param({"F16", "BF16"})
    public String type;

    @Param({"15", "50"})
    public int activePercent;

    @Param({"transposedRows", "columnGather", "denseMatvec"})
    public String way;

    @Param({"2"})
    public int threads;

    static final int LAYERS = 4;

    private Arena arena;
    private ComputePool pool;
    private final Tensor[] downs = new Tensor[LAYERS];
    private final Tensor[] downTs = new Tensor[LAYERS];
    private int layer;
    private Tensor down;
    private int[] active;
    private float[] coeffs;
    private ActivationVector sparseActivations;
    private RowAccumulator accumulator;
    private float[][] out;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        GGMLType t = GGMLType.valueOf(type);
        int h = BAMBOO_7B_HIDDEN, f = BAMBOO_7B_FFN;
        for (int l = 0; l < LAYERS; l++) {
            downs[l] = FfnLayerFixture.positive("ffn_down", t, h, f, 13 + l, arena);
            downTs[l] = FfnLayerFixture.positive("ffn_down_t", t, f, h, 113 + l, arena);
        }
        active = new FixedNeuronSelector(f, activePercent / 100.0, 42).list();
        float[] input = FfnLayerFixture.positiveInput(active.length, 5);
        coeffs = new float[active.length];
        float[] dense = new float[f];
        for (int k = 0; k < active.length; k++) dense[active[k]] = coeffs[k] = input[k];
        sparseActivations = ActivationVector.of(dense);
        pool = new ComputePool(threads);
        accumulator = new RowAccumulator(f, h);
        out = new float[1][h];
    }

    @Benchmark
    public float[] down() {
        layer = (layer + 1) % LAYERS;
        down = downs[layer];
        switch (way) {
            case "transposedRows" -> accumulator.accumulate(pool, downTs[layer], active, coeffs, active.length, out[0]);
            case "columnGather" -> pool.forRange((int) down.rows(), 16, this::columnGather);
            case "denseMatvec" -> ParallelOps.matmul(pool, down, new ActivationVector[] {sparseActivations}, out, 1);
            default -> throw new IllegalArgumentException(way);
        }
        return out[0];
    }

    /**
     * Output rows {@code [from, to)}: each reads its row's values at the active columns (f16 or bf16), four running sums
     * so that the multiply-adds do not wait on each other.
     */
    private void columnGather(int from, int to) {
        MemorySegment data = down.data();
        long rowBytes = down.rowBytes();
        boolean f16 = down.type() == GGMLType.F16;
        int[] cols = active;
        int n = cols.length;
        float[] a = coeffs, y = out[0];
        for (int j = from; j < to; j++) {
            long base = j * rowBytes;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            int k = 0;
            for (; k + 4 <= n; k += 4) {
                s0 = Math.fma(value(data, base, cols[k], f16), a[k], s0);
                s1 = Math.fma(value(data, base, cols[k + 1], f16), a[k + 1], s1);
                s2 = Math.fma(value(data, base, cols[k + 2], f16), a[k + 2], s2);
                s3 = Math.fma(value(data, base, cols[k + 3], f16), a[k + 3], s3);
            }
            for (; k < n; k++) s0 = Math.fma(value(data, base, cols[k], f16), a[k], s0);
            y[j] = (s0 + s1) + (s2 + s3);
        }
    }

    private static float value(MemorySegment data, long base, int col, boolean f16) {
        short bits = data.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + 2L * col);
        return f16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }
}
