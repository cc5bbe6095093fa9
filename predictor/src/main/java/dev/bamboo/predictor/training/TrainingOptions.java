package dev.bamboo.predictor.training;

import dev.bamboo.weights.BambooException;

/**
 * How a predictor layer is trained: Adam on a weighted binary cross-entropy between the predictor's scores (as logits)
 * and the neurons really active, over mini-batches of tokens in an order drawn from {@code seed}.
 *
 * @param epochs         passes over the samples
 * @param batch          tokens per step
 * @param learningRate   Adam's step size
 * @param positiveWeight how much a missed active neuron costs against a needless one: above 1 the predictor selects more
 *                       neurons and misses fewer (its threshold of 0 is where the weighted odds are even)
 * @param seed           initial weights and the order of the tokens
 */
public record TrainingOptions(int epochs, int batch, float learningRate, float positiveWeight, long seed) {
    public static final TrainingOptions DEFAULTS = new TrainingOptions(20, 64, 2e-3f, 8f, 1);

    public TrainingOptions {
        if (epochs < 1 || epochs > 10_000) throw new BambooException("--epochs " + epochs + " is out of range: use 1 to 10000");
        if (batch < 1 || batch > 65_536) throw new BambooException("--batch " + batch + " is out of range: use 1 to 65536");
        if (!(learningRate > 0 && learningRate <= 1)) throw new BambooException("--learning-rate " + learningRate + " is out of range: use a value in (0, 1], such as 0.002");
        if (!(positiveWeight > 0 && positiveWeight <= 1000)) {
            throw new BambooException("--positive-weight " + positiveWeight + " is out of range: use a value in (0, 1000], such as 8");
        }
    }

    public TrainingOptions withEpochs(int e) {
        return new TrainingOptions(e, batch, learningRate, positiveWeight, seed);
    }
}
