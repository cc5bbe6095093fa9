package dev.bamboo.runtime.generate;

import dev.bamboo.weights.BambooException;

/**
 * Logits are finite or the model is broken: no model gives NaN or infinite logits, only corrupt weights (or a sum that
 * overflowed), and text sampled from them, or logits written for comparison, would mean nothing.
 */
public final class FiniteLogits {
    private FiniteLogits() {}

    /** {@code logits}, or a one-line error naming the first value that is not finite, at sequence position {@code position}. */
    public static float[] check(float[] logits, int position) {
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new BambooException("the model's logits at position " + position + " are not finite (token " + i + ": " + logits[i]
                        + "): its weights are corrupt or overflow a float; check or convert the model file again");
            }
        }
        return logits;
    }
}
