package dev.bamboo.tornado.support;

import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random weight matrices in exact ggml file layout, built through the weights module's own tensor types. */
public final class RandomTensors {
    private RandomTensors() {}

    public static Tensor of(GGMLType type, int rows, int cols, Random random) {
        long bytes = rows * type.bytesFor(cols);
        MemorySegment data = Arena.ofAuto().allocate(bytes, 8);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < (long) rows * cols; i++) data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, gaussian(random));
            }
            case F16 -> {
                for (long i = 0; i < (long) rows * cols; i++) data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(gaussian(random)));
            }
            case BF16 -> {
                for (long i = 0; i < (long) rows * cols; i++) data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(gaussian(random)) >>> 16));
            }
            case Q8_0 -> fillBlocks(data, bytes, 34, random);
            case Q4_0 -> fillBlocks(data, bytes, 18, random);
            default -> throw new IllegalArgumentException("no random generator for " + type);
        }
        return Tensors.of("random." + type, type, rows, cols, data);
    }

    /** Random quants with a random positive-or-negative f16 scale (subnormal scales included now and then). */
    private static void fillBlocks(MemorySegment data, long bytes, int blockBytes, Random random) {
        for (long off = 0; off < bytes; off += blockBytes) {
            float scale = random.nextInt(50) == 0 ? 3e-6f * (random.nextFloat() - 0.5f) : 0.02f * (float) random.nextGaussian();
            data.set(ValueLayout.JAVA_SHORT_UNALIGNED, off, Float.floatToFloat16(scale));
            for (int i = 2; i < blockBytes; i++) data.set(ValueLayout.JAVA_BYTE, off + i, (byte) random.nextInt(256));
        }
    }

    public static float[] vector(int n, Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = gaussian(random);
        return v;
    }

    private static float gaussian(Random random) {
        return (float) random.nextGaussian();
    }
}
