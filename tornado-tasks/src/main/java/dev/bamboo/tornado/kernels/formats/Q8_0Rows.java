package dev.bamboo.tornado.kernels.formats;

import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Q8_0 rows read straight from the file layout: blocks of 32 values, each an f16 scale then 32 signed bytes.
 * Static helpers inlined into the kernels that call them.
 */
public final class Q8_0Rows {
    private Q8_0Rows() {}

    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;

    /** Lane {@code lane}'s share (blocks lane, lane + lanes, ...) of {@code row · x}. */
    public static float partialDot(ByteArray w, int row, int cols, FloatArray x, int lane, int lanes) {
        int blocks = cols / BLOCK;
        int rowBase = row * blocks * BLOCK_BYTES;
        float sum = 0f;
        for (int b = lane; b < blocks; b += lanes) {
            int off = rowBase + b * BLOCK_BYTES;
            float scale = HalfFloats.decode(w.get(off), w.get(off + 1));
            int xBase = b * BLOCK;
            float blockSum = 0f;
            for (int i = 0; i < BLOCK; i++) {
                blockSum += w.get(off + 2 + i) * x.get(xBase + i);
            }
            sum += scale * blockSum;
        }
        return sum;
    }

    /** Element {@code col} of row {@code row}. */
    public static float get(ByteArray w, int row, int cols, int col) {
        int off = row * (cols / BLOCK) * BLOCK_BYTES + (col / BLOCK) * BLOCK_BYTES;
        float scale = HalfFloats.decode(w.get(off), w.get(off + 1));
        return scale * w.get(off + 2 + col % BLOCK);
    }
}
