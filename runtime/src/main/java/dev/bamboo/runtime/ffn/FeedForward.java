package dev.bamboo.runtime.ffn;

/**
 * One way of computing a layer's FFN, {@code down(act(gate·x, up·x))}: dense, or sparse in one of its modes.
 * The forward pass calls only this, so sparse and GPU implementations plug in without touching it.
 */
public interface FeedForward {
    /** Writes {@code batch.output()[t]} for every token {@code t < batch.count()}. */
    void forward(int layer, FfnBatch batch);
}
