package dev.bamboo.tornado.kernels.formats;

import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Q4_0 rows read straight from the file layout: blocks of 32 values, each an f16 scale {@code d} then 16 bytes;
 * byte j holds value j in its low nibble and value j + 16 in its high nibble; value = d · (nibble − 8).
 *
 * <p>Nibbles are taken from the sign-extended byte ({@code (b >> 4) & 15}), never from {@code b & 0xFF}: TornadoVM
 * 5.2 types {@code b & 0xFF} as an OpenCL {@code uint}, so the later {@code − 8} wraps around instead of going negative.
 */
public final class Q4_0Rows {
    private Q4_0Rows() {}

    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 18;

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
            for (int i = 0; i < 16; i++) {
                int packed = w.get(off + 2 + i);
                int low = (packed & 15) - 8;
                int high = ((packed >> 4) & 15) - 8;
                blockSum += low * x.get(xBase + i) + high * x.get(xBase + i + 16);
            }
            sum += scale * blockSum;
        }
        return sum;
    }

    /** Element {@code col} of row {@code row}. */
    public static float get(ByteArray w, int row, int cols, int col) {
        int off = row * (cols / BLOCK) * BLOCK_BYTES + (col / BLOCK) * BLOCK_BYTES;
        float scale = HalfFloats.decode(w.get(off), w.get(off + 1));
        int within = col % BLOCK;
        int packed = w.get(off + 2 + (within & 15));
        int nibble = within < 16 ? packed & 15 : (packed >> 4) & 15;
        return scale * (nibble - 8);
    }
}
