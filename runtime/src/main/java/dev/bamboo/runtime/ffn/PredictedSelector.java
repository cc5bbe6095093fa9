package dev.bamboo.runtime.ffn;

import dev.bamboo.predictor.ActivationPredictor;

/**
 * PowerInfer's semantics: neuron i of a layer runs iff {@code fc2 · relu(fc1 · h) ≥ threshold}, where {@code h} is the
 * residual after attention, before the FFN norm; every other neuron contributes zero.
 */
public final class PredictedSelector implements NeuronSelector {
    private final ActivationPredictor predictor;

    public PredictedSelector(ActivationPredictor predictor) {
        this.predictor = predictor;
    }

    public ActivationPredictor predictor() {
        return predictor;
    }

    @Override
    public boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count) {
        predictor.predictBatch(layer, batch.residual(), batch.count(), active, count);
        return false;
    }
}
