package dev.bamboo.weights.parallel;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The decode roofline: how fast the pool's threads stream-read memory, read as the matrix products read weights (each
 * thread a contiguous share, vector loads, nothing written). Decode reads every weight once per token, so weight bytes
 * per token × tokens/s ÷ this is the share of the machine's bandwidth a decode uses. The bench module's JMH {@code
 * MemoryBandwidthBenchmark} and {@code bamboo bench --bandwidth} both measure with {@link #pass}.
 */
public final class ReadBandwidth {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    /** Work goes to the threads in chunks of this many bytes (a multiple of four vectors). */
    public static final int CHUNK = 1 << 20;

    private ReadBandwidth() {}

    /**
     * Reads {@code data} once on {@code pool}, chunk by chunk; returns the sum of its longs so the loads cannot be
     * dropped. {@code partial} holds one slot per chunk ({@code data.byteSize() / CHUNK} of them).
     */
    public static long pass(ComputePool pool, MemorySegment data, long[] partial) {
        pool.forRange(partial.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) partial[i] = sum(data, (long) i * CHUNK, (long) (i + 1) * CHUNK);
        });
        long total = 0;
        for (long p : partial) total += p;
        return total;
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

    /**
     * GB/s (10^9 bytes) read by {@code pool}: the median of {@code passes} passes over a fresh buffer of {@code bytes}
     * (rounded down to whole chunks, at least one), after two warm-up passes. The buffer is written first, page by
     * page, so the reads hit memory rather than the kernel's shared zero page; it is freed before returning.
     */
    public static double measure(ComputePool pool, long bytes, int passes) {
        if (passes < 1) throw new IllegalArgumentException("passes " + passes);
        long chunks = Math.max(1, bytes / CHUNK);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(chunks * CHUNK, 4096);
            data.fill((byte) 1);
            long[] partial = new long[Math.toIntExact(chunks)];
            // the sums land in partial, so the loads stay
            for (int w = 0; w < 2; w++) pass(pool, data, partial);
            double[] rates = new double[passes];
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                pass(pool, data, partial);
                rates[p] = data.byteSize() / (double) Math.max(1, System.nanoTime() - t0);
            }
            Arrays.sort(rates);
            return rates[passes / 2];
        }
    }
}
