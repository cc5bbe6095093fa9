package dev.bamboo.weights.gguf;

import java.util.List;
import java.util.Objects;

/**
 * One metadata value with its GGUF type. Java representation of {@link #value()}: UINT8, INT8, UINT16, INT16, INT32 →
 * {@link Integer}; UINT32, INT64, UINT64 → {@link Long} (UINT64 above 2^63 − 1 wraps negative, as its bits);
 * FLOAT32 → {@link Float}; FLOAT64 → {@link Double}; BOOL → {@link Boolean}; STRING → {@link String};
 * ARRAY → {@link GGUFArray}.
 */
public record GGUFValue(GGUFValueType type, Object value) {

    public GGUFValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        checkJavaType(type, value);
    }

    static void checkJavaType(GGUFValueType type, Object value) {
        Class<?> expected = switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32 -> Integer.class;
            case UINT32, INT64, UINT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GGUFArray.class;
        };
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException("a GGUF " + type + " value must be a " + expected.getSimpleName() + ", not " + value.getClass().getSimpleName());
        }
    }

    public static GGUFValue ofString(String s) { return new GGUFValue(GGUFValueType.STRING, s); }

    public static GGUFValue ofUInt32(long v) { return new GGUFValue(GGUFValueType.UINT32, v); }

    public static GGUFValue ofInt32(int v) { return new GGUFValue(GGUFValueType.INT32, v); }

    public static GGUFValue ofFloat32(float v) { return new GGUFValue(GGUFValueType.FLOAT32, v); }

    public static GGUFValue ofBool(boolean v) { return new GGUFValue(GGUFValueType.BOOL, v); }

    public static GGUFValue ofArray(GGUFValueType elementType, List<?> items) {
        return new GGUFValue(GGUFValueType.ARRAY, new GGUFArray(elementType, items));
    }

    @Override
    public String toString() {
        return type == GGUFValueType.ARRAY ? value.toString() : type + " " + value;
    }
}
