package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.forward.ParallelOps;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.FloatArrays;

/**
 * Lossless sparsity for ReLU-family FFNs: compute the gate projection of every neuron, then run up and down only
 * where the gate passes the activation (a neuron whose gate is at or below {@link FfnKind#gateCutoff()}, 0 for ReLU and
 * dReLU, contributes exactly zero).
 */
public final class ExactSelector implements NeuronSelector {
    private final ModelWeights weights;
    private final ComputePool pool;
    private final FfnKind kind;

    public ExactSelector(ModelWeights weights, ComputePool pool) {
        this.kind = weights.config().ffn();
        if (!kind.reluFamily()) {
            throw new BambooException("--sparsity exact needs a ReLU-family FFN, but this model's FFN is " + kind.label()
                    + " (its neurons are never exactly zero); use --sparsity dense");
        }
        this.weights = weights;
        this.pool = pool;
    }

    @Override
    public boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count) {
        int n = batch.count();
        ParallelOps.matmul(pool, weights.layers().get(layer).ffnGate(), batch.input(), gate, n);
        float cutoff = kind.gateCutoff();
        int ffn = weights.config().intermediateSize();
        for (int t = 0; t < n; t++) count[t] = FloatArrays.indicesAbove(gate[t], ffn, cutoff, active[t]);
        return true;
    }
}
