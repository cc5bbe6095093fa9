package dev.bamboo.runtime.ffn;

/** Selects every neuron: the dense FFN expressed as a selection, used when dense runs are measured with {@code --stats}. */
public final class AllNeurons implements NeuronSelector {
    @Override
    public boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count) {
        for (int t = 0; t < batch.count(); t++) {
            int[] a = active[t];
            for (int i = 0; i < a.length; i++) a[i] = i;
            count[t] = a.length;
        }
        return false;
    }
}
