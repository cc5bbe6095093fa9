package dev.bamboo.predictor.training;

/**
 * One layer's trained predictor, {@code score = fc2 · relu(fc1 · h)}, as row-major floats.
 *
 * @param fc1  [rank, hidden]
 * @param fc2  [ffn, rank]
 * @param loss the weighted binary cross-entropy per (token, neuron) over the last epoch
 */
public record TrainedLayer(int rank, int hidden, int ffn, float[] fc1, float[] fc2, double loss) {
    public TrainedLayer {
        if (fc1.length != (long) rank * hidden || fc2.length != (long) ffn * rank) throw new IllegalArgumentException("fc1 or fc2 does not match rank " + rank);
    }
}
