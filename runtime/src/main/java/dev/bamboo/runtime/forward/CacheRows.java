package dev.bamboo.runtime.forward;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.parallel.ComputePool;

/**
 * One half of the KV cache, keys or values, of every layer, in its {@link CacheType}. Each KV head keeps its positions
 * contiguous ({@code headDim} values apart): attention reads one head's rows position after position, one sequential
 * stream.
 */
abstract sealed class CacheRows permits CacheRows.Floats, CacheRows.Halves {
    final int capacity, kvHeads, headDim;

    private CacheRows(int capacity, int kvHeads, int headDim) {
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /**
     * Rows of {@code layers} for {@code capacity} positions of {@code kvHeads} heads, allocated on {@code pool}'s threads;
     * {@code option} names the command-line option that chose the type ({@code --cache-type-k} for keys), for errors.
     */
    static CacheRows of(CacheType type, String option, int layers, int capacity, int kvHeads, int headDim, ComputePool pool) {
        return switch (type) {
            case F32 -> new Floats(layers, capacity, kvHeads, headDim, pool);
            case F16 -> new Halves(option, layers, capacity, kvHeads, headDim, pool);
        };
    }

    /** Stores position {@code pos}'s {@code kvHeads · headDim} values, heads one after another. */
    abstract void store(int layer, int pos, float[] src);

    /**
     * Rows {@code pos .. pos + count − 1} of KV head {@code kvHead} as floats, from {@link #rowsOffset} on, {@code headDim}
     * per row: the cache's own array where it holds floats, else {@code scratch} (at least {@code count · headDim}
     * floats) with the rows widened into it. (Two values, not a record: a record per block was not scalar-replaced, and
     * a token at 4096 positions made some 4000 of them per layer.)
     */
    abstract float[] rows(int layer, int kvHead, int pos, int count, float[] scratch);

    /** Where {@link #rows} puts position {@code pos}'s row of KV head {@code kvHead} in the array it returns. */
    abstract int rowsOffset(int kvHead, int pos);

    /** Positions per call of {@link #rows}: how many attention takes at a time. */
    abstract int block();

    /** Rows of scratch {@link #rows} may fill: 0 where it hands out the cache's own arrays. */
    abstract int scratchRows();

    /** Value {@code d} of KV head {@code kvHead}'s row for position {@code pos}, as attention sees it. */
    final float value(int layer, int kvHead, int pos, int d) {
        return rows(layer, kvHead, pos, 1, new float[headDim])[rowsOffset(kvHead, pos) + d];
    }

    /** Where KV head {@code kvHead}'s row for position {@code pos} starts in a layer's array. */
    final int offset(int kvHead, int pos) {
        return (kvHead * capacity + pos) * headDim;
    }

    /** f32 rows: attention reads the cache in place. */
    static final class Floats extends CacheRows {
        private final float[][] data;

        Floats(int layers, int capacity, int kvHeads, int headDim, ComputePool pool) {
            super(capacity, kvHeads, headDim);
            this.data = new float[layers][];
            // fresh memory's first touch is slow: the layers are allocated on every thread at once
            pool.forEach(layers, l -> data[l] = new float[capacity * kvHeads * headDim]);
        }

        /** A KV head's 128 rows, 64 KB at a head size of 128, stay in L2 while each head's sums take them. */
        @Override
        int block() {
            return 128;
        }

        @Override
        void store(int layer, int pos, float[] src) {
            for (int h = 0; h < kvHeads; h++) System.arraycopy(src, h * headDim, data[layer], offset(h, pos), headDim);
        }

        @Override
        float[] rows(int layer, int kvHead, int pos, int count, float[] scratch) {
            return data[layer];
        }

        @Override
        int rowsOffset(int kvHead, int pos) {
            return offset(kvHead, pos);
        }

        @Override
        int scratchRows() {
            return 0;
        }
    }

    /**
     * f16 rows: half the bytes to read. A run is widened into the caller's scratch, which then stays in the core's
     * cache while the kernels take it (the same kernels as for f32 rows, on exactly the rounded values).
     */
    static final class Halves extends CacheRows {
        static final int BLOCK = 16;
        private final String option;
        private final short[][] data;

        Halves(String option, int layers, int capacity, int kvHeads, int headDim, ComputePool pool) {
            super(capacity, kvHeads, headDim);
            this.option = option;
            this.data = new short[layers][];
            pool.forEach(layers, l -> data[l] = new short[capacity * kvHeads * headDim]);
        }

        /**
         * Few rows at a time: while the kernels compute on one widened block, the prefetchers fetch the next from
         * memory. Widening 128 rows first and computing after left the two one after the other, and f16 no faster
         * than f32; one Bamboo-7B block at 16384 positions (AttentionBenchmark, 2 threads, µs): 128 rows 7178, 7460
         * (f32 7147, 7545); 32 rows 7599, 7444 (f32 7848); 16 rows 6423, 6992, 6628 (f32 8145, 7887, 8286); 8 rows
         * 6016, 6474, 6582 (f32 8397, 8952); 4 rows 8215 (f32 8808).
         */
        @Override
        int block() {
            return BLOCK;
        }

        @Override
        void store(int layer, int pos, float[] src) {
            short[] to = data[layer];
            for (int h = 0; h < kvHeads; h++) {
                int from = h * headDim, at = offset(h, pos);
                for (int d = 0; d < headDim; d++) {
                    short half = Float.floatToFloat16(src[from + d]);
                    // beyond ±65504 a value becomes infinite, and attention over it NaN: say so rather than fail later
                    if ((half & 0x7c00) == 0x7c00 && Float.isFinite(src[from + d])) {
                        throw new BambooException("layer " + layer + " at position " + pos + " computed " + src[from + d] + " for the KV cache, beyond f16's range (±65504); run with "
                                + option + " f32");
                    }
                    to[at + d] = half;
                }
            }
        }

        @Override
        float[] rows(int layer, int kvHead, int pos, int count, float[] scratch) {
            short[] from = data[layer];
            int at = offset(kvHead, pos), n = count * headDim;
            // a plain loop: C2 turns Float.float16ToFloat into the vector unit's conversion instruction
            for (int i = 0; i < n; i++) scratch[i] = Float.float16ToFloat(from[at + i]);
            return scratch;
        }

        @Override
        int rowsOffset(int kvHead, int pos) {
            return 0;
        }

        @Override
        int scratchRows() {
            return BLOCK;
        }
    }
}
