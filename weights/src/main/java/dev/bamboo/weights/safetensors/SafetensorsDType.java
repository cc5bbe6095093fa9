package dev.bamboo.weights.safetensors;

import dev.bamboo.weights.tensor.GGMLType;

/** The safetensors dtypes Bamboo reads, with their element sizes and, for weights, the matching tensor type. */
public enum SafetensorsDType {
    F32(4, GGMLType.F32),
    F16(2, GGMLType.F16),
    BF16(2, GGMLType.BF16),
    I32(4, null),
    I64(8, null);

    private final int bytes;
    private final GGMLType tensorType;

    SafetensorsDType(int bytes, GGMLType tensorType) {
        this.bytes = bytes;
        this.tensorType = tensorType;
    }

    public int bytes() { return bytes; }

    /** The weight type, or null for integer dtypes. */
    public GGMLType tensorType() { return tensorType; }
}
