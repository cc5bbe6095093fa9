package dev.bamboo.runtime.engine;

/** What an engine measures about its FFN's sparsity ({@link Engine#stats()}). */
public enum Statistics {
    /** Nothing: the normal run. */
    NONE,
    /** The neurons each token computes, per layer: counted as the selector picks them, at no cost worth naming. */
    COMPUTED,
    /**
     * Also the neurons really active and the predictor's recall ({@code --stats}): every layer's gate and up products
     * are computed in full besides, which costs what a dense FFN's do.
     */
    FULL
}
