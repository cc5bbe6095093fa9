package dev.bamboo.tornado.kernels.formats;

import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** F16 rows as raw little-endian bytes (file layout), decoded without device fp16 support. */
public final class F16Rows {
    private F16Rows() {}

    /** Lane {@code lane}'s share (elements lane, lane + lanes, ...) of {@code row · x}. */
    public static float partialDot(ByteArray w, int row, int cols, FloatArray x, int lane, int lanes) {
        int rowBase = row * cols * 2;
        float sum = 0f;
        for (int j = lane; j < cols; j += lanes) {
            int off = rowBase + j * 2;
            sum += HalfFloats.decode(w.get(off), w.get(off + 1)) * x.get(j);
        }
        return sum;
    }

    /** Element {@code col} of row {@code row}. */
    public static float get(ByteArray w, int row, int cols, int col) {
        int off = (row * cols + col) * 2;
        return HalfFloats.decode(w.get(off), w.get(off + 1));
    }
}
