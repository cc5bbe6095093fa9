package dev.bamboo.runtime.ffn;

import dev.bamboo.predictor.ActivationPredictor;
import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;

/**
 * Wraps a selector and records, per layer and token, how many neurons it chose and, when measuring the truth, how its
 * choice compares with the neurons really active (which costs the full gate and up products). Beside a selector that
 * is not the predictor (dense or exact mode), it can also run the model's predictor and record how its choice would
 * have compared, without using it.
 */
public final class MeasuredSelector implements NeuronSelector {
    private final NeuronSelector inner;
    /** Null when only the chosen counts are recorded. */
    private final TrueActivity truth;
    private final SparsityStats stats;
    /** Null unless the predictor runs beside {@code inner}. */
    private final Beside beside;

    /** A predictor run beside the selector that chooses, its picks recorded in {@code stats} and otherwise unused. */
    private record Beside(ActivationPredictor predictor, SparsityStats stats, int[][] active, int[] count) {}

    private MeasuredSelector(NeuronSelector inner, TrueActivity truth, SparsityStats stats, Beside beside) {
        this.inner = inner;
        this.truth = truth;
        this.stats = stats;
        this.beside = beside;
    }

    /** Records the chosen counts and the neurons really active. */
    public static MeasuredSelector withTruth(NeuronSelector inner, ModelWeights weights, ComputePool pool, int maxBatch, SparsityStats stats) {
        return new MeasuredSelector(inner, new TrueActivity(weights, pool, maxBatch), stats, null);
    }

    /**
     * {@link #withTruth}, and {@code predictor}'s picks against the neurons really active in {@code predictorStats}:
     * what the predictor would have chosen had the mode been predicted.
     */
    public static MeasuredSelector withTruthAndPredictor(NeuronSelector inner, ModelWeights weights, ComputePool pool, int maxBatch,
                                                         SparsityStats stats, ActivationPredictor predictor, SparsityStats predictorStats) {
        int ffn = weights.config().intermediateSize();
        Beside beside = new Beside(predictor, predictorStats, new int[maxBatch][ffn], new int[maxBatch]);
        return new MeasuredSelector(inner, new TrueActivity(weights, pool, maxBatch), stats, beside);
    }

    /** Records the chosen counts only: nearly free. */
    public static MeasuredSelector countsOnly(NeuronSelector inner, SparsityStats stats) {
        return new MeasuredSelector(inner, null, stats, null);
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
        if (beside != null) {
            // the residual before the FFN norm, as predicted mode's selector reads it
            beside.predictor.predictBatch(layer, batch.residual(), batch.count(), beside.active, beside.count);
            for (int t = 0; t < batch.count(); t++) beside.stats.record(layer, mask[t], beside.active[t], beside.count[t]);
        }
        return gateKnown;
    }
}
