package dev.bamboo.runtime.ffn;

import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;

/**
 * Runs the FFN dense and hands every token's residual (what a predictor reads) and the neurons really active in it to
 * a {@link Sink}: the samples a predictor is trained on. The gate and up products that tell which neurons are active
 * are computed whole first; the FFN reuses the gate's.
 */
public final class RecordingSelector implements NeuronSelector {
    /** Receives one token of one layer; the arrays are reused after the call returns. */
    @FunctionalInterface
    public interface Sink {
        void record(int layer, float[] residual, boolean[] active);
    }

    private final AllNeurons all = new AllNeurons();
    private final TrueActivity truth;
    private final Sink sink;

    public RecordingSelector(ModelWeights weights, ComputePool pool, int maxBatch, Sink sink) {
        this.truth = new TrueActivity(weights, pool, maxBatch);
        this.sink = sink;
    }

    @Override
    public boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count) {
        boolean[][] mask = truth.measure(layer, batch);
        for (int t = 0; t < batch.count(); t++) {
            sink.record(layer, batch.residual()[t], mask[t]);
            // the FFN then takes the gate as measured rather than multiplying it again
            System.arraycopy(truth.gate(t), 0, gate[t], 0, gate[t].length);
        }
        all.select(layer, batch, gate, active, count);
        return true;
    }
}
