package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** bfloat16: the upper 16 bits of an IEEE float, little-endian. */
public record BF16Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED;

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
        for (int r = from; r < to; r++) out[r] = BF16Kernels.dot(data, r * (long) cols * 2L, v, cols);
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
