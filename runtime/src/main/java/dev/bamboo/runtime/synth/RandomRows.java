package dev.bamboo.runtime.synth;

/**
 * Deterministic uniform random values per (seed, tensor, row): each row has its own SplitMix64 stream, so rows can be
 * generated in any order, on any thread, and always come out the same.
 */
final class RandomRows {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private RandomRows() {}

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The stream start of one row of one tensor. */
    static long stream(long seed, String tensor, long row) {
        return mix(mix(seed ^ mix(tensor.hashCode() * GOLDEN)) + row * GOLDEN);
    }

    /** Fills {@code dst[off .. off+n)} with uniform values of standard deviation {@code std} (mean 0). */
    static void uniform(long stream, float std, float[] dst, int off, int n) {
        float a = (float) (std * Math.sqrt(3.0)) * 0x1.0p-23f;
        long s = stream;
        for (int j = 0; j < n; j++) {
            s += GOLDEN;
            // 24 random bits → [-2^23, 2^23) → [-a, a)
            dst[off + j] = ((int) (mix(s) >>> 40) - (1 << 23)) * a;
        }
    }
}
