package dev.bamboo.weights.model;

import dev.bamboo.weights.tensor.Tensor;

/** One layer's activation predictor: {@code score = fc2 · relu(fc1 · h)}; fc1 [rank, hidden], fc2 [ffn, rank]. */
public record PredictorLayer(Tensor fc1, Tensor fc2) {
    public int rank() {
        return fc1.rows() > Integer.MAX_VALUE ? -1 : (int) fc1.rows();
    }
}
