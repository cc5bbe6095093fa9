package dev.bamboo.runtime.ffn;

import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;

/**
 * Wraps a selector and records, per layer and token, how many neurons it chose and, when measuring the truth, how its
 * choice compares with the neurons really active (which costs the full gate and up products).
 */
public final class MeasuredSelector implements NeuronSelector {
    private final NeuronSelector inner;
    /** Null when only the chosen counts are recorded. */
    private final TrueActivity truth;
    private final SparsityStats stats;

    private MeasuredSelector(NeuronSelector inner, TrueActivity truth, SparsityStats stats) {
        this.inner = inner;
        this.truth = truth;
        this.stats = stats;
    }

    /** Records the chosen counts and the neurons really active. */
    public static MeasuredSelector withTruth(NeuronSelector inner, ModelWeights weights, ComputePool pool, int maxBatch, SparsityStats stats) {
        return new MeasuredSelector(inner, new TrueActivity(weights, pool, maxBatch), stats);
    }

    /** Records the chosen counts only: nearly free. */
    public static MeasuredSelector countsOnly(NeuronSelector inner, SparsityStats stats) {
        return new MeasuredSelector(inner, null, stats);
    }

    @Override
    public boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count) {
        boolean gateKnown = inner.select(layer, batch, gate, active, count);
        if (truth == null) {
            for (int t = 0; t < batch.count(); t++) stats.recordComputed(layer, count[t]);
            return gateKnown;
        }
        boolean[][] mask = truth.measure(layer, batch);
        for (int t = 0; t < batch.count(); t++) stats.record(layer, mask[t], active[t], count[t]);
        return gateKnown;
    }
}
