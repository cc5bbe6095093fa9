package dev.bamboo.weights.tensor;

/**
 * The value order of the repacked Q4_0 and Q8_0 weights ({@link Q4_0PackedTensor}, {@link Q8_0PackedTensor}) and of
 * the activations they multiply ({@link ActivationVector#q8Grouped}): a row is cut into groups of {@link #BLOCKS}
 * consecutive 32-value blocks, one per float lane, and within a group value {@code v} of block {@code b} sits at
 * {@code v · BLOCKS + b}, so that one vector holds the same value of every block of its group. Rows and ranges that
 * are reordered are whole groups.
 */
final class GroupedOrder {
    private GroupedOrder() {}

    /** Values per block. */
    static final int BLOCK = Q8_0Tensor.BLOCK;
    /** Blocks per group: one per float lane. */
    static final int BLOCKS = Simd.L;
    /** Values per group. */
    static final int VALUES = BLOCKS * BLOCK;

    /** Where value {@code v} of block {@code block} (counted from a group boundary) goes in grouped order. */
    static int index(int block, int v) {
        return block / BLOCKS * VALUES + v * BLOCKS + block % BLOCKS;
    }

    /** {@code grouped[offset + index of j − from] = y[j]} for {@code j} in {@code [from, to)}. */
    static void toGrouped(float[] y, int from, int to, float[] grouped, int offset) {
        for (int g = from; g < to; g += VALUES, offset += VALUES) {
            for (int b = 0; b < BLOCKS; b++) {
                for (int v = 0; v < BLOCK; v++) grouped[offset + v * BLOCKS + b] = y[g + b * BLOCK + v];
            }
        }
    }

    /** The inverse of {@link #toGrouped}: {@code y[j] = grouped[offset + index of j − from]}. */
    static void fromGrouped(float[] grouped, int offset, float[] y, int from, int to) {
        for (int g = from; g < to; g += VALUES, offset += VALUES) {
            for (int b = 0; b < BLOCKS; b++) {
                for (int v = 0; v < BLOCK; v++) y[g + b * BLOCK + v] = grouped[offset + v * BLOCKS + b];
            }
        }
    }

    /** {@link #fromGrouped}, adding: {@code y[j] += grouped[offset + index of j − from]}. */
    static void addGrouped(float[] grouped, int offset, float[] y, int from, int to) {
        for (int g = from; g < to; g += VALUES, offset += VALUES) {
            for (int b = 0; b < BLOCKS; b++) {
                for (int v = 0; v < BLOCK; v++) y[g + b * BLOCK + v] += grouped[offset + v * BLOCKS + b];
            }
        }
    }

    /**
     * {@link #toGrouped} of the first whole groups of byte values {@code q}, into {@code shorts} (widened) or, where that
     * is null, into {@code bytes}.
     */
    static void toGrouped(byte[] q, short[] shorts, byte[] bytes) {
        for (int g = 0; g + VALUES <= q.length; g += VALUES) {
            for (int b = 0; b < BLOCKS; b++) {
                for (int v = 0; v < BLOCK; v++) {
                    byte value = q[g + b * BLOCK + v];
                    if (shorts != null) shorts[g + v * BLOCKS + b] = value;
                    else bytes[g + v * BLOCKS + b] = value;
                }
            }
        }
    }
}
