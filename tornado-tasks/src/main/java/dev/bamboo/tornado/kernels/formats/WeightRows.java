package dev.bamboo.tornado.kernels.formats;

import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Row access for every weight format with a kernel, selected by an int format code. Each kernel that reads
 * weights takes the matrix as both a {@link ByteArray} (F16, Q8_0, Q4_0 in file layout) and a {@link FloatArray}
 * (F32, and what BF16 and the formats without kernels become at upload), of which only the one its format names is
 * read; the other is a one-element placeholder. The format is a task scalar, and TornadoVM specializes task scalars
 * into the compiled kernel, so each task gets a kernel for its own format and these branches cost nothing on the
 * device.
 */
public final class WeightRows {
    private WeightRows() {}

    public static final int F32 = 0;
    public static final int F16 = 1;
    public static final int Q8_0 = 2;
    public static final int Q4_0 = 3;

    /** Lane {@code lane}'s share of {@code row · x} (lanes {@code lanes} together cover the row). */
    public static float partialDot(int format, ByteArray bytes, FloatArray floats, int row, int cols, FloatArray x, int lane, int lanes) {
        if (format == F32) {
            return F32Rows.partialDot(floats, row, cols, x, lane, lanes);
        }
        if (format == F16) {
            return F16Rows.partialDot(bytes, row, cols, x, lane, lanes);
        }
        return BlockRows.partialDot(format, bytes, row, cols, x, lane, lanes);
    }

    /** Element {@code col} of row {@code row}. */
    public static float get(int format, ByteArray bytes, FloatArray floats, int row, int cols, int col) {
        if (format == F32) {
            return F32Rows.get(floats, row, cols, col);
        }
        if (format == F16) {
            return F16Rows.get(bytes, row, cols, col);
        }
        return BlockRows.get(format, bytes, row, cols, col);
    }
}
