package dev.bamboo.weights.predictorfiles;

import dev.bamboo.weights.model.PredictorWeights;

import java.util.List;

/**
 * Predictor weights together with the files their tensors map. The tensors are views of those files: keep this
 * open for as long as {@link #weights()} is used, and close it afterwards. For predictors embedded in a model
 * checkpoint it owns nothing; the checkpoint's owner keeps the memory alive.
 */
public final class LoadedPredictor implements AutoCloseable {
    private final PredictorWeights weights;
    private final List<AutoCloseable> owned;

    LoadedPredictor(PredictorWeights weights, List<AutoCloseable> owned) {
        this.weights = weights;
        this.owned = List.copyOf(owned);
    }

    public PredictorWeights weights() {
        return weights;
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                // closing a read-only map cannot lose data; keep closing the rest
            }
        }
    }
}
