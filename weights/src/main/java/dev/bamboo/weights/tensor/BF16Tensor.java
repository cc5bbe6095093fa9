package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** bfloat16: the upper 16 bits of an IEEE float, little-endian. */
public record BF16Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED;
    /**
     * Rows longer than this go two at a time through {@link BF16Kernels#dot2}, whose activations are loaded once for
     * both rows (4096 × 14336 from memory, 2 threads: 21.2 → 26.1–26.3 GB/s; 4096 × 8192: 20.1 → 24.7); shorter rows,
     * whose activations stay in L1, read faster one at a time (14336 × 4096: 32–35 one at a time, 23.6 two at a time).
     */
    static final int ONE_ROW_MAX = 4096;

    @Override public GGMLType type() { return GGMLType.BF16; }

    static float decode(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public float get(long index) {
        return decode(data.get(LAYOUT, index * 2));
    }

    @Override
    public float dot(long row, ActivationVector x) {
        if (!Simd.FLOAT_VECTORS) return dotScalar(row, x);
        return BF16Kernels.dot(data, row * cols * 2L, x.values(), cols);
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        if (!Simd.FLOAT_VECTORS) {
            axpyScalar(row, a, y, from, to);
            return;
        }
        BF16Kernels.axpy(data, row * cols * 2L, a, y, from, to);
    }

    @Override
    public void matvec(ActivationVector x, float[] out, int from, int to) {
        if (!Simd.FLOAT_VECTORS) {
            for (int r = from; r < to; r++) out[r] = dotScalar(r, x);
            return;
        }
        float[] v = x.values();
        long rowBytes = cols * 2L;
        int r = from;
        if (cols > ONE_ROW_MAX) {
            for (; r + 2 <= to; r += 2) BF16Kernels.dot2(data, r * rowBytes, (r + 1) * rowBytes, v, cols, out, r);
        }
        for (; r < to; r++) out[r] = BF16Kernels.dot(data, r * rowBytes, v, cols);
    }

    // The plain loops: used where the platform has no usable vector shape.

    private float dotScalar(long row, ActivationVector x) {
        float[] v = x.values();
        long base = row * cols * 2L;
        float sum = 0f;
        for (int j = 0; j < cols; j++) sum += decode(data.get(LAYOUT, base + j * 2L)) * v[j];
        return sum;
    }

    private void axpyScalar(long row, float a, float[] y, int from, int to) {
        long base = row * cols * 2L;
        for (int j = from; j < to; j++) y[j] += a * decode(data.get(LAYOUT, base + j * 2L));
    }
}
