package dev.bamboo.runtime.engine;

/**
 * What an engine measures about its FFN's sparsity ({@link Engine#stats()}): counts over every token the engine runs,
 * prompts included, until they are reset.
 */
public enum Statistics {
    /** Nothing: the normal run. */
    NONE,
    /**
     * The neurons each token computes, per layer: counted as the selector picks them, at no cost worth naming. Dense
     * mode computes every neuron and counts nothing: its engine has no statistics.
     */
    COMPUTED,
    /**
     * Also the neurons really active and the predictor's recall ({@code --stats}): every layer's gate and up products
     * are computed in full besides, which costs what a dense FFN's do. In dense or exact mode a model's predictor runs
     * beside the FFN for its recall ({@link Engine#predictorStats}).
     */
    FULL
}
