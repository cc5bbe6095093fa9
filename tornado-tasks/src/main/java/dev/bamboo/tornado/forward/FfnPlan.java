package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelWeights;

/**
 * How the FFN runs on the device, and which down projection that needs. Dense: every neuron (the fused gate/up
 * kernel over an identity active set). Exact: the dense gate, then up and down only where the gate passes the
 * activation. Predicted: the activation predictor picks the neurons (PowerInfer semantics).
 */
public enum FfnPlan {
    DENSE, EXACT, PREDICTED;

    public static FfnPlan of(SparsityMode mode, ModelWeights weights) {
        return switch (mode) {
            case DENSE -> DENSE;
            case EXACT -> {
                if (!weights.config().ffn().reluFamily()) {
                    throw new BambooException("--sparsity exact needs a ReLU-family FFN, but this model's FFN is " + weights.config().ffn().label()
                            + " (its neurons are never exactly zero); use --sparsity dense");
                }
                yield EXACT;
            }
            case PREDICTED -> {
                if (weights.predictor().isEmpty()) {
                    throw new BambooException("--sparsity predicted needs activation predictors, and this model has none; use --sparsity exact or dense");
                }
                if (weights.predictor().get().layers().size() != weights.config().layers()) {
                    throw new BambooException("the predictor " + weights.predictor().get().source() + " has " + weights.predictor().get().layers().size()
                            + " layers but the model has " + weights.config().layers() + "; use the model's own predictor");
                }
                yield PREDICTED;
            }
            case AUTO -> throw new IllegalArgumentException("AUTO must be resolved before the device plan is built");
        };
    }

    /**
     * Whether the down projection is read by neuron ({@code ffn_down_t}, accumulated over the active neurons), rather
     * than by output row ({@code ffn_down}, a matvec over the full activation vector). Sparse modes want the
     * transposed layout; dense mode wants the file layout. Each falls back to what the file has.
     */
    public boolean downByNeuron(boolean hasDown, boolean hasDownT) {
        if (this == DENSE) return !hasDown;
        return hasDownT;
    }
}
