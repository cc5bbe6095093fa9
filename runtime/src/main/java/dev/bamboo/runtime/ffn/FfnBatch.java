package dev.bamboo.runtime.ffn;

import dev.bamboo.weights.tensor.ActivationVector;

/**
 * The FFN's view of a batch of tokens in one layer.
 *
 * @param count    tokens in the batch (arrays may be longer)
 * @param input    the FFN input per token: the residual after attention, RMS-normalised with {@code ffn_norm}
 * @param residual the residual after attention, before the norm: what activation predictors read
 * @param output   where the FFN writes its result per token (the caller adds it to the residual)
 */
public record FfnBatch(int count, ActivationVector[] input, float[][] residual, float[][] output) {
}
