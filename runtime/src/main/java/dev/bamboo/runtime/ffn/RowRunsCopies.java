package dev.bamboo.runtime.ffn;

import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

/**
 * Per layer, the transposed down projection ({@code ffn_down_t}) laid out for accumulating all its rows ({@link
 * Tensors#forRowRuns}): a repacked Q4_0 matrix accumulates every row 20–30 % faster that way than row by row. A copy is
 * made the first time a layer wants it, and only while the heap has room for it; without the room the row-contiguous
 * tensor serves, with bitwise the same results (an optimisation, not a requirement).
 */
final class RowRunsCopies {
    /** Left free on the heap beside the copies. */
    private static final long MARGIN = 512L << 20;

    private final ComputePool pool;
    private final Tensor[] copies;
    private long bytes;

    RowRunsCopies(ComputePool pool, int layers) {
        this.pool = pool;
        this.copies = new Tensor[layers];
    }

    /** Layer {@code layer}'s copy of {@code downT}, made now if it has none and the heap has room; else {@code downT}. */
    Tensor of(int layer, Tensor downT) {
        Tensor copy = copies[layer];
        if (copy != null) return copy;
        long need = Tensors.rowRunsBytes(downT);
        if (need == 0 || !room(need)) return downT;
        copies[layer] = copy = Tensors.forRowRuns(downT, pool);
        bytes += need;
        return copy;
    }

    /** Memory the copies made so far take. */
    long bytes() {
        return bytes;
    }

    private static boolean room(long need) {
        Runtime rt = Runtime.getRuntime();
        return need < rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - MARGIN;
    }
}
