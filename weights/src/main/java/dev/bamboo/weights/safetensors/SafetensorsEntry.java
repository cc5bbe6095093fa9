package dev.bamboo.weights.safetensors;

import java.util.Arrays;

/** One tensor's header entry: dtype, shape and where its bytes lie relative to the data section. */
public record SafetensorsEntry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    public long elements() {
        return Arrays.stream(shape).reduce(1L, Math::multiplyExact);
    }

    /** Rows of the 2-D view: every dimension but the last (1 for a vector or scalar). */
    public long rows() {
        long r = 1;
        for (int i = 0; i < shape.length - 1; i++) r *= shape[i];
        return r;
    }

    /** Columns of the 2-D view: the last dimension. */
    public long cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }
}
