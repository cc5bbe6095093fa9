package dev.bamboo.weights.model;

import dev.bamboo.weights.tensor.Tensor;

import java.util.List;
import java.util.Optional;

/**
 * Everything the runtime needs to run a model, independent of the file format it came from.
 * {@code output} is the token embedding itself when the model ties them.
 */
public record ModelWeights(
        ModelConfig config,
        Tensor tokenEmbedding,
        List<LayerWeights> layers,
        Tensor outputNorm,
        Tensor output,
        Optional<PredictorWeights> predictor) {
}
