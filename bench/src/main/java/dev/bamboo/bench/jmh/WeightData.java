package dev.bamboo.bench.jmh;

import dev.bamboo.weights.tensor.GGMLType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Fills off-heap memory with plausible weights of a storage type: gaussian values for float types (so f16 rarely
 * takes its subnormal path, as with real weights), random quants and small scales for block types. A 1 MiB
 * pattern of whole blocks is generated once and tiled, which keeps gigabyte setups fast.
 */
final class WeightData {
    private WeightData() {}

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    static void fill(GGMLType type, MemorySegment target, long seed) {
        Random random = new Random(seed);
        long unit = (long) type.blockBytes() * 4;
        long patternBytes = Math.min(target.byteSize(), (1L << 20) / unit * unit);
        MemorySegment pattern = MemorySegment.ofArray(new byte[(int) patternBytes]);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < patternBytes; i += 4) pattern.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, gaussian(random));
            }
            case F16 -> {
                for (long i = 0; i < patternBytes; i += 2) pattern.set(SHORT, i, Float.floatToFloat16(gaussian(random)));
            }
            case BF16 -> {
                for (long i = 0; i < patternBytes; i += 2) pattern.set(SHORT, i, (short) (Float.floatToRawIntBits(gaussian(random)) >>> 16));
            }
            default -> {
                int blockBytes = type.blockBytes();
                for (long b = 0; b < patternBytes; b += blockBytes) {
                    pattern.set(SHORT, b, Float.floatToFloat16(0.001f + random.nextFloat() * 0.01f));
                    for (int i = 2; i < blockBytes; i++) pattern.set(ValueLayout.JAVA_BYTE, b + i, (byte) random.nextInt());
                }
            }
        }
        for (long off = 0; off < target.byteSize(); off += patternBytes) {
            long n = Math.min(patternBytes, target.byteSize() - off);
            MemorySegment.copy(pattern, 0, target, off, n);
        }
    }

    private static float gaussian(Random random) {
        return (float) (random.nextGaussian() * 0.02);
    }
}
