package dev.bamboo.runtime.ffn;

import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;

/** Wraps a selector and records, per layer and token, how its choice compares with the neurons really active. */
public final class MeasuredSelector implements NeuronSelector {
    private final NeuronSelector inner;
    private final TrueActivity truth;
    private final SparsityStats stats;

    public MeasuredSelector(NeuronSelector inner, ModelWeights weights, ComputePool pool, int maxBatch, SparsityStats stats) {
        this.inner = inner;
        this.truth = new TrueActivity(weights, pool, maxBatch);
        this.stats = stats;
    }

    @Override
    public boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count) {
        boolean gateKnown = inner.select(layer, batch, gate, active, count);
        boolean[][] mask = truth.measure(layer, batch);
        for (int t = 0; t < batch.count(); t++) stats.record(layer, mask[t], active[t], count[t]);
        return gateKnown;
    }
}
