package dev.bamboo.bench.jmh;

import dev.bamboo.weights.parallel.ComputePool;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The roofline of a gather: read a fixed random share of a 1 GiB off-heap segment as runs of {@code runBytes}
 * (ascending, as the sparse FFN reads its active rows: a Bamboo-7B Q4_0 row is 2304 bytes in the file, an F16 row
 * 8192), with the cheapest possible kernel (one vector add per 64 bytes), on 1 or 2 threads that split the run list in
 * halves. Set against {@link MemoryBandwidthBenchmark} (one contiguous stream) it shows what scattering alone costs,
 * before any kernel work. {@code runShare = 1} reads every run, i.e. streams the whole segment. The {@code gb} counter
 * is GB/s of bytes in the runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx1g", "-XX:+UseParallelGC"})
public class ScatteredReadBenchmark {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    private static final long BYTES = ReadBuffer.BYTES;
    /** Bytes of runs per invocation: well above the last-level cache, so every invocation reads memory. */
    private static final long PER_CALL = 64L << 20;

    @Param({"2304", "8192", "32768", "131072"})
    public int runBytes;

    @Param({"0.15", "0.5", "1"})
    public double runShare;

    @Param({"2"})
    public int threads;

    private ReadBuffer buffer;
    private MemorySegment data;
    private ComputePool pool;
    private long[] starts;
    private int perCall;
    private int next;
    private final long[] partial = new long[2];

    @Setup(Level.Trial)
    public void setUp() {
        if (runBytes % S.vectorByteSize() != 0) throw new IllegalArgumentException("runBytes must be a multiple of " + S.vectorByteSize());
        buffer = new ReadBuffer();
        data = buffer.data;
        pool = new ComputePool(threads);
        long slots = BYTES / runBytes;
        long[] picked = new long[(int) slots];
        int n = 0;
        SplittableRandom random = new SplittableRandom(42);
        for (long s = 0; s < slots; s++) if (runShare >= 1 || random.nextDouble() < runShare) picked[n++] = s * runBytes;
        starts = Arrays.copyOf(picked, n);
        perCall = (int) Math.min(n, PER_CALL / runBytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        buffer.close();
    }

    private long sum(int from, int to) {
        int step = S.vectorByteSize();
        LongVector a = LongVector.zero(S);
        for (int r = from; r < to; r++) {
            long start = starts[r], end = start + runBytes;
            for (long o = start; o < end; o += step) a = a.add(LongVector.fromMemorySegment(S, data, o, ByteOrder.LITTLE_ENDIAN));
        }
        return a.reduceLanes(VectorOperators.ADD);
    }

    /** The next {@code perCall} runs of the list (wrapping around), so consecutive invocations read different memory. */
    @Benchmark
    public long read(GigabyteCounter bytes) {
        int first = next;
        next = first + 2 * perCall > starts.length ? 0 : first + perCall;
        int half = first + perCall / 2;
        pool.forRange(2, 1, (from, to) -> {
            for (int p = from; p < to; p++) partial[p] = p == 0 ? sum(first, half) : sum(half, first + perCall);
        });
        bytes.gb += (double) perCall * runBytes * 1e-9;
        return partial[0] + partial[1];
    }
}
