package dev.bamboo.weights.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random weights in each file layout, for the kernel tests. */
final class RandomTensors {
    private RandomTensors() {}

    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    static Tensor create(GGMLType type, long rows, int cols, Random random) {
        long bytes = rows * type.bytesFor(cols);
        // one spare leading byte: the tensor slice starts at an odd address, as slices of a GGUF file may
        MemorySegment data = Arena.ofAuto().allocate(bytes + 1, 64).asSlice(1, bytes);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < rows * cols; i++) data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * i, weight(random));
            }
            case F16 -> {
                for (long i = 0; i < rows * cols; i++) data.set(SHORT, 2 * i, Float.floatToFloat16(weight(random)));
            }
            case BF16 -> {
                for (long i = 0; i < rows * cols; i++) data.set(SHORT, 2 * i, (short) (Float.floatToRawIntBits(weight(random)) >>> 16));
            }
            case Q8_0, Q4_0 -> {
                long blocks = bytes / type.blockBytes();
                for (long b = 0; b < blocks; b++) {
                    long off = b * type.blockBytes();
                    data.set(SHORT, off, Float.floatToFloat16((random.nextFloat() - 0.3f) * 0.05f));
                    for (int i = 2; i < type.blockBytes(); i++) {
                        int q = type == GGMLType.Q8_0 ? random.nextInt(255) - 127 : random.nextInt(256);
                        data.set(ValueLayout.JAVA_BYTE, off + i, (byte) q);
                    }
                }
            }
            case Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> {
                // random quants, packed scales and high bits are all valid; only the f16 scales must be finite
                long blocks = bytes / type.blockBytes();
                for (long b = 0; b < blocks; b++) {
                    long off = b * type.blockBytes();
                    for (int i = 0; i < type.blockBytes(); i++) data.set(ValueLayout.JAVA_BYTE, off + i, (byte) random.nextInt(256));
                    for (int at : halfScaleOffsets(type)) data.set(SHORT, off + at, Float.floatToFloat16((random.nextFloat() - 0.3f) * 0.01f));
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return Tensors.of("random", type, rows, cols, data);
    }

    /** Where a block of {@code type} keeps its f16 scale and (where it has one) its f16 minimum. */
    private static int[] halfScaleOffsets(GGMLType type) {
        return switch (type) {
            case Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** Mostly ~N(0, 0.05), with some tiny values (f16 subnormals) and some large ones. */
    static float weight(Random random) {
        int kind = random.nextInt(50);
        if (kind == 0) return (float) (random.nextGaussian() * 3e-5);
        if (kind == 1) return (float) (random.nextGaussian() * 4);
        return (float) (random.nextGaussian() * 0.05);
    }

    static ActivationVector activations(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian() * (random.nextInt(10) == 0 ? 5 : 1);
        return ActivationVector.of(x);
    }
}
