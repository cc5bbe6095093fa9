package dev.bamboo.weights.model;

import java.util.List;

/**
 * The per-layer predictors of a sparse model and the threshold a neuron's score must reach to run.
 *
 * @param source where they came from, for messages: a file, a directory, "embedded"
 */
public record PredictorWeights(List<PredictorLayer> layers, float threshold, String source) {

    /** The predictors' parameters, every layer's {@code fc1} and {@code fc2}. */
    public long parameterCount() {
        long n = 0;
        for (PredictorLayer l : layers) n += l.fc1().size() + l.fc2().size();
        return n;
    }
}
