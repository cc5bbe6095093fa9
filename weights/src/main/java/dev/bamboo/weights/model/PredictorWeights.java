package dev.bamboo.weights.model;

import java.util.List;

/**
 * The per-layer predictors of a sparse model and the threshold a neuron's score must reach to run.
 *
 * @param source where they came from, for messages: a file, a directory, "embedded"
 */
public record PredictorWeights(List<PredictorLayer> layers, float threshold, String source) {
}
