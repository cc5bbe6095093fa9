package dev.bamboo.predictor.training;

import dev.bamboo.weights.BambooException;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Trains one layer's activation predictor, PowerInfer's two bias-free matrices {@code score = fc2 · relu(fc1 · h)}, to
 * tell which FFN neurons will be non-zero: each score is the logit of "neuron i is active", learnt by Adam on a binary
 * cross-entropy that weighs a missed active neuron {@code positiveWeight} times a needless one. The rule that runs it
 * ({@code score ≥ 0}) then selects a neuron when its weighted odds are even.
 *
 * <p>The residual's scale differs from layer to layer and grows with depth; training sees {@code h} divided by its
 * root mean square over the samples, and that constant is folded into {@code fc1} at the end, so the files need no
 * normalisation of their own. One thread per layer, everything in a fixed order: the same samples and options give
 * the same matrices.
 *
 * <p>Per token: at most {@code 4 · rank · hidden + 6 · rank · ffn} flops an epoch (forward and backward, {@link
 * BatchGradient}: the rows where {@code relu(fc1 · h)} is zero are skipped).
 */
public final class PredictorTrainer {
    private PredictorTrainer() {}

    public static TrainedLayer train(LayerSamples samples, int rank, TrainingOptions options) {
        return train(samples, rank, options, () -> false);
    }

    /** {@link #train}, asking {@code cancelled} between steps: null when it said yes. */
    public static TrainedLayer train(LayerSamples samples, int rank, TrainingOptions options, BooleanSupplier cancelled) {
        int n = samples.count(), hidden = samples.hidden(), ffn = samples.ffn();
        if (n == 0) throw new BambooException("no tokens to train a predictor on; give a longer text");
        if (rank < 1 || rank > hidden) throw new BambooException("--rank " + rank + " is out of range: use 1 to the hidden size " + hidden);
        float[] inputs = samples.inputs();
        float scale = inverseRms(inputs, n * hidden);
        SplittableRandom random = new SplittableRandom(options.seed());
        float[] w1 = gaussian(random, rank * hidden, Math.sqrt(2.0 / hidden));
        float[] w2t = gaussian(random, rank * ffn, Math.sqrt(1.0 / rank));
        float[] g1 = new float[w1.length], g2t = new float[w2t.length];
        Adam adam1 = new Adam(w1.length), adam2 = new Adam(w2t.length);
        BatchGradient gradient = new BatchGradient(rank, hidden, ffn, scale, options.positiveWeight(), Math.min(n, options.batch()));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        double loss = 0;
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            shuffle(order, random);
            boolean last = epoch == options.epochs() - 1;
            for (int start = 0; start < n; start += options.batch()) {
                if (cancelled.getAsBoolean()) return null;
                int end = Math.min(n, start + options.batch());
                Arrays.fill(g1, 0f);
                Arrays.fill(g2t, 0f);
                // the mean over the batch's (token, neuron) pairs
                float norm = 1f / ((end - start) * (float) ffn);
                loss += gradient.add(w1, w2t, inputs, samples, order, start, end, norm, g1, g2t, last);
                adam1.step(w1, g1, options.learningRate());
                adam2.step(w2t, g2t, options.learningRate());
            }
        }
        loss /= (double) n * ffn;
        for (int i = 0; i < w1.length; i++) w1[i] *= scale;
        float[] fc2 = new float[ffn * rank];
        for (int k = 0; k < rank; k++) {
            for (int i = 0; i < ffn; i++) fc2[i * rank + k] = w2t[k * ffn + i];
        }
        return new TrainedLayer(rank, hidden, ffn, w1, fc2, loss);
    }

    /** {@code 1 / rms} of the first {@code n} values; 1 when they are all zero. */
    static float inverseRms(float[] x, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) x[i] * x[i];
        if (!(sum > 0) || !Double.isFinite(sum)) {
            if (Double.isNaN(sum) || Double.isInfinite(sum)) throw new BambooException("the model's residuals are not finite numbers; a predictor cannot be trained on them");
            return 1f;
        }
        return (float) (1 / Math.sqrt(sum / n));
    }

    private static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (random.nextGaussian() * std);
        return out;
    }

    private static void shuffle(int[] order, SplittableRandom random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
