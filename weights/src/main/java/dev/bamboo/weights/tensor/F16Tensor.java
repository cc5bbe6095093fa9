package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** IEEE half-precision floats, little-endian. */
public record F16Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override public GGMLType type() { return GGMLType.F16; }

    @Override
    public float get(long index) {
        return Float.float16ToFloat(data.get(LAYOUT, index * 2));
    }

    @Override
    public float dot(long row, ActivationVector x) {
        float[] v = x.values();
        long base = row * cols * 2L;
        float sum = 0f;
        for (int j = 0; j < cols; j++) sum += Float.float16ToFloat(data.get(LAYOUT, base + j * 2L)) * v[j];
        return sum;
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        long base = row * cols * 2L;
        for (int j = from; j < to; j++) y[j] += a * Float.float16ToFloat(data.get(LAYOUT, base + j * 2L));
    }
}
