package dev.bamboo.runtime.forward;

import dev.bamboo.weights.parallel.ComputePool;

/**
 * Keys and values of every layer for positions {@code [0, capacity)}. Each KV head keeps its positions contiguous
 * ({@code headDim} floats apart): attention reads one head's keys and values position after position, and this way
 * that is one sequential stream instead of a {@code headDim}-float snippet every {@code kvDim} floats.
 */
public final class KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;

    /** An empty cache, its layers allocated on {@code pool}'s threads at once (fresh memory's first touch is slow). */
    public KvCache(int layers, int capacity, int kvHeads, int headDim, ComputePool pool) {
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        pool.forEach(2 * layers, i -> (i % 2 == 0 ? keys : values)[i / 2] = new float[capacity * kvHeads * headDim]);
    }

    public int capacity() { return capacity; }

    public float[] keys(int layer) { return keys[layer]; }

    public float[] values(int layer) { return values[layer]; }

    /** Where KV head {@code kvHead}'s {@code headDim} values for position {@code pos} start in {@link #keys} and {@link #values}. */
    public int offset(int kvHead, int pos) {
        return (kvHead * capacity + pos) * headDim;
    }

    /** Stores position {@code pos}'s keys and values, {@code kvHeads · headDim} floats each, heads one after another. */
    public void store(int layer, int pos, float[] k, float[] v) {
        for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(k, h * headDim, keys[layer], offset(h, pos), headDim);
            System.arraycopy(v, h * headDim, values[layer], offset(h, pos), headDim);
        }
    }
}
