package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** 32-bit floats, little-endian. */
public record F32Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override public GGMLType type() { return GGMLType.F32; }

    @Override
    public float get(long index) {
        return data.get(LAYOUT, index * 4);
    }

    @Override
    public float dot(long row, ActivationVector x) {
        float[] v = x.values();
        long base = row * cols * 4L;
        float sum = 0f;
        for (int j = 0; j < cols; j++) sum += data.get(LAYOUT, base + j * 4L) * v[j];
        return sum;
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        long base = row * cols * 4L;
        for (int j = from; j < to; j++) y[j] += a * data.get(LAYOUT, base + j * 4L);
    }
}
