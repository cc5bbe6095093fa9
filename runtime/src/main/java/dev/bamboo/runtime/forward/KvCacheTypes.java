package dev.bamboo.runtime.forward;

import java.util.Objects;

/** The element types of the KV cache's keys and values. */
public record KvCacheTypes(CacheType keys, CacheType values) {
    /** Both f32: attention sees the projections' results unrounded (the default). */
    public static final KvCacheTypes F32 = new KvCacheTypes(CacheType.F32, CacheType.F32);

    public KvCacheTypes {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(values, "values");
    }

    /** {@code "f16/f32"}: the keys' type, then the values'. */
    public String label() {
        return keys.label() + "/" + values.label();
    }

    /** Cache bytes per position, layer and KV value pair ({@code kvDim} of each). */
    public int bytesPerPair() {
        return keys.bytes() + values.bytes();
    }
}
