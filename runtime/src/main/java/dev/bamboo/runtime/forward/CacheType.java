package dev.bamboo.runtime.forward;

import dev.bamboo.weights.BambooException;

import java.util.Locale;

/**
 * The element type of the KV cache's keys or values ({@code --cache-type-k}, {@code --cache-type-v}, llama.cpp's
 * names). f32 keeps what the projections computed; f16 halves the bytes attention reads and the cache's memory, and
 * rounds each key and value to 11 significant bits (llama.cpp's default). A value beyond f16's range (±65504) is an
 * error that names the option, not an infinity that would turn attention into NaN.
 */
public enum CacheType {
    F32(Float.BYTES), F16(Short.BYTES);

    private final int bytes;

    CacheType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per cached value. */
    public int bytes() {
        return bytes;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code f32} or {@code f16}, as {@code option} gave it; anything else is a one-line error naming both. */
    public static CacheType parse(String value, String option) {
        for (CacheType t : values()) {
            if (t.label().equals(value.trim().toLowerCase(Locale.ROOT))) return t;
        }
        throw new BambooException(option + " " + value + " is not a KV cache type; use f32 (the default) or f16");
    }
}
