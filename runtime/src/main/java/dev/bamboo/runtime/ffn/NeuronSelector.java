package dev.bamboo.runtime.ffn;

/** Decides, per token, which FFN neurons a sparse FFN computes. */
public interface NeuronSelector {
    /**
     * Fills {@code active[t][0 .. count[t])} with the ascending indices of token {@code t}'s active neurons.
     *
     * @param gate where a selector that computes the gate projection of all neurons leaves it
     * @return true when {@code gate[t][i]} holds the gate projection of every selected neuron
     */
    boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count);
}
