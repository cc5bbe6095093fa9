package dev.bamboo.runtime.ffn;

/**
 * One way of computing a layer's FFN on the CPU, {@code down(act(gate·x, up·x))}: dense, or sparse in one of its
 * modes. The CPU forward pass calls only this, so the FFN kinds plug in without touching it. (An accelerator backend
 * runs the whole forward pass on its device, behind {@code InferenceSession}, with its own dense and sparse FFN.)
 */
public interface FeedForward {
    /** Writes {@code batch.output()[t]} for every token {@code t < batch.count()}. */
    void forward(int layer, FfnBatch batch);
}
