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
import java.util.concurrent.TimeUnit;

/**
 * The decode roofline: stream-read a 1 GiB off-heap segment (summing it, so the loads cannot be dropped) on 1 or 2
 * threads through {@link ComputePool}, as the matvec kernels read weights. The {@code gb} counter is GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx1g", "-XX:+UseParallelGC"})
public class MemoryBandwidthBenchmark {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    private static final long BYTES = ReadBuffer.BYTES;
    /** Work is split in chunks of this many bytes. */
    private static final int CHUNK = 1 << 20;

    @Param({"1", "2"})
    public int threads;

    private ReadBuffer buffer;
    private MemorySegment data;
    private ComputePool pool;
    private long[] partial;

    @Setup(Level.Trial)
    public void setUp() {
        buffer = new ReadBuffer();
        data = buffer.data;
        pool = new ComputePool(threads);
        partial = new long[(int) (BYTES / CHUNK)];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        buffer.close();
    }


    private static long sum(MemorySegment m, long from, long to) {
        int step = S.vectorByteSize();
        LongVector a = LongVector.zero(S), b = a, c = a, d = a;
        for (long o = from; o < to; o += 4L * step) {
            a = a.add(LongVector.fromMemorySegment(S, m, o, ByteOrder.LITTLE_ENDIAN));
            b = b.add(LongVector.fromMemorySegment(S, m, o + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(LongVector.fromMemorySegment(S, m, o + 2L * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(LongVector.fromMemorySegment(S, m, o + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    public long read(GigabyteCounter bytes) {
        pool.forRange(partial.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) partial[i] = sum(data, (long) i * CHUNK, (long) (i + 1) * CHUNK);
        });
        long total = 0;
        for (long p : partial) total += p;
        bytes.gb += BYTES * 1e-9;
        return total;
    }
}
