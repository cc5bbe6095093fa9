package dev.bamboo.tornado.kernels.formats;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** F32 rows (also what BF16 weights become on upload: devices have no bf16 arithmetic we can rely on). */
public final class F32Rows {
    private F32Rows() {}

    /** Lane {@code lane}'s share (elements lane, lane + lanes, ...) of {@code row · x}. */
    public static float partialDot(FloatArray w, int row, int cols, FloatArray x, int lane, int lanes) {
        int rowBase = row * cols;
        float sum = 0f;
        for (int j = lane; j < cols; j += lanes) {
            sum += w.get(rowBase + j) * x.get(j);
        }
        return sum;
    }

    /** Element {@code col} of row {@code row}. */
    public static float get(FloatArray w, int row, int cols, int col) {
        return w.get(row * cols + col);
    }
}
