package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.forward.ParallelOps;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;

/**
 * Which neurons of a layer are really non-zero for a batch: the full gate and up projections, then
 * {@code act(gate, up) != 0}. Only {@code --stats} pays for this.
 */
final class TrueActivity {
    private final ModelWeights weights;
    private final ComputePool pool;
    private final FfnKind kind;
    private final float[][] gate;
    private final float[][] up;
    private final boolean[][] mask;

    TrueActivity(ModelWeights weights, ComputePool pool, int maxBatch) {
        this.weights = weights;
        this.pool = pool;
        this.kind = weights.config().ffn();
        int ffn = weights.config().intermediateSize();
        gate = new float[maxBatch][ffn];
        up = new float[maxBatch][ffn];
        mask = new boolean[maxBatch][ffn];
    }

    /** {@code mask[t][i]}: neuron i is non-zero for token t. */
    boolean[][] measure(int layer, FfnBatch batch) {
        var w = weights.layers().get(layer);
        int n = batch.count();
        ParallelOps.matmuls(pool, batch.input(), n, (from, to) -> {
            for (int t = 0; t < n; t++) {
                for (int i = from; i < to; i++) mask[t][i] = kind.combine(gate[t][i], up[t][i]) != 0f;
            }
        }, new ParallelOps.Product(w.ffnGate(), gate), new ParallelOps.Product(w.ffnUp(), up));
        return mask;
    }
}
