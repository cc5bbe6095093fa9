package dev.bamboo.bench.jmh;

import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.parallel.ReadBandwidth;
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
import java.util.concurrent.TimeUnit;

/**
 * The decode roofline: stream-read a 1 GiB off-heap segment ({@link ReadBandwidth#pass}, the pass {@code bamboo bench
 * --bandwidth} times too) on 1 or 2 threads through {@link ComputePool}. The {@code gb} counter is GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx1g", "-XX:+UseParallelGC"})
public class MemoryBandwidthBenchmark {
    private static final long BYTES = ReadBuffer.BYTES;

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
        partial = new long[(int) (BYTES / ReadBandwidth.CHUNK)];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        buffer.close();
    }

    @Benchmark
    public long read(GigabyteCounter bytes) {
        long total = ReadBandwidth.pass(pool, data, partial);
        bytes.gb += BYTES * 1e-9;
        return total;
    }
}
