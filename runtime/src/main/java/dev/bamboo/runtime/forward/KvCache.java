package dev.bamboo.runtime.forward;

import dev.bamboo.weights.parallel.ComputePool;

/**
 * Keys and values of every layer for positions {@code [0, capacity)}, each half in its {@link CacheType}
 * ({@link CacheRows}: a KV head's positions contiguous, so attention reads one sequential stream per head).
 */
public final class KvCache {
    private final CacheRows keys;
    private final CacheRows values;
    private final int capacity;
    private final KvCacheTypes types;

    /** An empty f32 cache. */
    public KvCache(int layers, int capacity, int kvHeads, int headDim, ComputePool pool) {
        this(layers, capacity, kvHeads, headDim, KvCacheTypes.F32, pool);
    }

    /** An empty cache of {@code types}, its layers allocated on {@code pool}'s threads at once (fresh memory's first touch is slow). */
    public KvCache(int layers, int capacity, int kvHeads, int headDim, KvCacheTypes types, ComputePool pool) {
        this.capacity = capacity;
        this.types = types;
        this.keys = CacheRows.of(types.keys(), "--cache-type-k", layers, capacity, kvHeads, headDim, pool);
        this.values = CacheRows.of(types.values(), "--cache-type-v", layers, capacity, kvHeads, headDim, pool);
    }

    public int capacity() { return capacity; }

    public KvCacheTypes types() { return types; }

    CacheRows keys() { return keys; }

    CacheRows values() { return values; }

    /** Rows of scratch attention needs for {@link CacheRows#rows} of either half. */
    int scratchRows() {
        return Math.max(keys.scratchRows(), values.scratchRows());
    }

    /** Stores position {@code pos}'s keys and values, {@code kvHeads · headDim} floats each, heads one after another. */
    public void store(int layer, int pos, float[] k, float[] v) {
        keys.store(layer, pos, k);
        values.store(layer, pos, v);
    }
}
