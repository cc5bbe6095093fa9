package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.forward.HeapRoom;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per layer, the transposed down projection ({@code ffn_down_t}) laid out for accumulating all its rows ({@link
 * Tensors#forRowRuns}): a repacked Q4_0 matrix accumulates every row 20–30 % faster that way than row by row. A copy is
 * made the first time a layer wants it, and only if the heap has room for it then ({@link HeapRoom}); otherwise the row-contiguous tensor
 * serves that layer from then on, with bitwise the same results (an optimisation, not a requirement). Either way the
 * choice is made once per layer, not on every token.
 */
final class RowRunsCopies {
    private final ComputePool pool;
    /** Per layer, what the accumulation reads: the copy, or the tensor itself where no copy was made; null until asked. */
    private final Tensor[] copies;
    private long bytes;

    RowRunsCopies(ComputePool pool, int layers) {
        this.pool = pool;
        this.copies = new Tensor[layers];
    }

    /**
     * Layer {@code layer}'s copy of {@code downT} (the same tensor on every call for a layer): made on the first call if
     * its type has the layout and the heap has room, else {@code downT} itself, for good.
     */
    Tensor of(int layer, Tensor downT) {
        if (copies[layer] == null) {
            List<Tensor> only = new ArrayList<>(Collections.nCopies(copies.length, null));
            only.set(layer, downT);
            makeAll(only);
        }
        return copies[layer];
    }

    /**
     * Decides now, for each layer of {@code downTs} not decided yet (null where a layer has none), between a copy and
     * the tensor itself, as far as the heap has room for copies, and makes the copies several at a time on the pool
     * ({@link ComputePool#forEach}).
     */
    void makeAll(List<Tensor> downTs) {
        long free = HeapRoom.free();
        List<Integer> chosen = new ArrayList<>();
        for (int l = 0; l < downTs.size(); l++) {
            Tensor downT = downTs.get(l);
            if (downT == null || copies[l] != null) continue;
            long need = Tensors.rowRunsBytes(downT);
            if (need > 0 && HeapRoom.array(need) <= free) {
                chosen.add(l);
                free -= HeapRoom.array(need);
                bytes += need;
            } else {
                copies[l] = downT;
            }
        }
        pool.forEach(chosen.size(), k -> copies[chosen.get(k)] = Tensors.forRowRuns(downTs.get(chosen.get(k)), pool));
    }

    /** Memory the copies made so far take. */
    long bytes() {
        return bytes;
    }
}
