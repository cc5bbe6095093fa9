package dev.bamboo.weights.model;

import dev.bamboo.weights.tensor.Tensor;

/**
 * One transformer block. The FFN down projection is present in at least one of its two layouts:
 * {@code ffnDown} [hidden, ffn] (Hugging Face, dense GGUF) or {@code ffnDownT} [ffn, hidden] (PowerInfer's
 * {@code ffn_down_t}: row i is neuron i's output vector, what a gather-based sparse FFN wants).
 */
public record LayerWeights(
        Tensor attnNorm,
        Tensor wq,
        Tensor wk,
        Tensor wv,
        Tensor wo,
        Tensor ffnNorm,
        Tensor ffnGate,
        Tensor ffnUp,
        Tensor ffnDown,
        Tensor ffnDownT) {

    public LayerWeights {
        if (ffnDown == null && ffnDownT == null) {
            throw new IllegalArgumentException("layer has neither ffn_down nor ffn_down_t");
        }
    }
}
