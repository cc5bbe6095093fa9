package dev.bamboo.weights.safetensors;

import java.util.Arrays;

/** One tensor's header entry: dtype, shape and where its bytes lie relative to the data section. */
public record SafetensorsEntry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    public long elements() {
        return Arrays.stream(shape).reduce(1L, Math::multiplyExact);
    }
}
