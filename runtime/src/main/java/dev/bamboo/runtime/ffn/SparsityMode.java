package dev.bamboo.runtime.ffn;

import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.Choice;
import dev.bamboo.weights.model.ModelWeights;

/** {@code --sparsity}: how the FFN is computed. */
public enum SparsityMode implements Choice {
    /** Every neuron. */
    DENSE,
    /** Only neurons whose gate passes the ReLU: identical results, no predictor needed. */
    EXACT,
    /** Only neurons the activation predictor selects (PowerInfer's semantics). */
    PREDICTED,
    /** PREDICTED when the model has a predictor, EXACT for other ReLU-family models, DENSE for SwiGLU. */
    AUTO;

    public static SparsityMode parse(String s) {
        return Choice.parse(SparsityMode.class, "--sparsity", "a mode", s);
    }

    /** The concrete mode for a model: AUTO resolved, impossible choices reported with what to use instead. */
    public SparsityMode resolve(ModelWeights weights) {
        boolean relu = weights.config().ffn().reluFamily();
        return switch (this) {
            case AUTO -> weights.predictor().isPresent() ? PREDICTED : relu ? EXACT : DENSE;
            case EXACT -> {
                if (!relu) throw new BambooException("--sparsity exact needs a ReLU-family FFN, but this model's FFN is " + weights.config().ffn().label() + "; use --sparsity dense");
                yield EXACT;
            }
            case PREDICTED -> {
                if (weights.predictor().isEmpty()) {
                    throw new BambooException("--sparsity predicted needs an activation predictor, and this model has none (no predictor/ folder with model_0.safetensors or model_0.pt and the other layers' files, no embedded predictor, no PowerInfer fc1/fc2 tensors); use "
                            + (relu ? "--sparsity exact" : "--sparsity dense"));
                }
                yield PREDICTED;
            }
            case DENSE -> DENSE;
        };
    }

    /**
     * What the columns of this (resolved) mode's sparsity statistics mean, for the line above its table; the neurons a
     * mode selects are "predicted" only where a predictor picked them ({@link #statisticsTable}).
     */
    public String statisticsLegend() {
        return switch (this) {
            case PREDICTED -> "predicted: neurons the predictor selected; recall: share of the truly active neurons it selected";
            case EXACT -> "computed: neurons whose gate passes the activation; recall: share of the truly active neurons computed, all in exact mode";
            case DENSE -> "computed: every neuron";
            case AUTO -> throw new IllegalStateException("resolve the mode first");
        };
    }

    /**
     * What the columns of the predictor's statistics beside this dense or exact mode mean ({@code Engine.predictorStats}):
     * the predictor ran, and its picks were not used.
     */
    public String predictorLegend() {
        return "the predictor, run beside " + label() + " mode and not used; predicted: neurons it selected; recall: share of the truly active neurons it selected";
    }

    /** {@code stats} as a table ({@link SparsityStats#table(String)}) whose columns {@link #statisticsLegend} explains. */
    public String statisticsTable(SparsityStats stats) {
        return stats.table(this == PREDICTED ? "predicted" : "computed");
    }
}
