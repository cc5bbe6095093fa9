package dev.bamboo.runtime.ffn;

/**
 * Receives, token by token, what a layer's predictor would read and what it should have picked: the residual after
 * attention (before the FFN norm) and which FFN neurons were non-zero. The samples predictors are trained on.
 */
@FunctionalInterface
public interface ActivationSink {
    /** One token of one layer; both arrays are reused after the call returns. */
    void record(int layer, float[] residual, boolean[] active);
}
