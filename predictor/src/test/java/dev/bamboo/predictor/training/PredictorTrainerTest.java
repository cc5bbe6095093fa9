package dev.bamboo.predictor.training;

import dev.bamboo.weights.BambooException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictorTrainerTest {
    @Test
    void samplesKeepResidualsAndLabels() {
        LayerSamples s = new LayerSamples(3, 70);
        boolean[] a = new boolean[70], b = new boolean[70];
        a[0] = a[63] = a[64] = a[69] = true;
        b[5] = true;
        for (int k = 0; k < 40; k++) s.add(new float[] {k, k + 0.5f, -k}, k % 2 == 0 ? a : b);
        assertEquals(40, s.count());
        float[] h = new float[3];
        s.input(39, h);
        assertArrayEquals(new float[] {39, 39.5f, -39}, h);
        for (int i = 0; i < 70; i++) {
            assertEquals(a[i], s.active(38, i), "neuron " + i);
            assertEquals(b[i], s.active(39, i), "neuron " + i);
        }
        assertEquals((20 * 4 + 20 * 1) / (40.0 * 70), s.density(), 1e-12);
        // Java arrays end at 2^31 values: more tokens than that are refused with what to do, not an array error
        var e = assertThrows(BambooException.class, () -> new LayerSamples(4096, 14336, LayerSamples.maxTokens(4096, 14336) + 1));
        assertTrue(e.getMessage().contains("give a shorter text"), e.getMessage());
        assertEquals(524287, LayerSamples.maxTokens(4096, 14336));
        assertEquals(1000L * (4096 * 4 + 224 * 8), LayerSamples.bytes(4096, 14336, 1000));
    }

    /** The analytic gradient of {@link BatchGradient} against central differences of its loss (no relu input lies within a step of 0 here). */
    @Test
    void gradientMatchesFiniteDifferencesOfTheLoss() {
        int hidden = 6, ffn = 9, rank = 4;
        SplittableRandom random = new SplittableRandom(3);
        LayerSamples samples = new LayerSamples(hidden, ffn);
        for (int t = 0; t < 2; t++) {
            float[] h = new float[hidden];
            boolean[] on = new boolean[ffn];
            for (int i = 0; i < hidden; i++) h[i] = (float) random.nextGaussian() * 3;
            for (int i = 0; i < ffn; i++) on[i] = random.nextInt(3) == 0;
            samples.add(h, on);
        }
        float scale = 0.4f, weight = 3f;
        float[] w1 = gaussian(random, rank * hidden), w2t = gaussian(random, rank * ffn);
        BatchGradient gradient = new BatchGradient(rank, hidden, ffn, scale, weight, 2);
        float[] g1 = new float[w1.length], g2t = new float[w2t.length];
        int[] order = {1, 0};
        gradient.add(w1, w2t, samples.inputs(), samples, order, 0, 2, 1f, g1, g2t, false);
        checkAgainstDifferences(w1, g1, () -> loss(gradient, w1, w2t, samples, order), "W1");
        checkAgainstDifferences(w2t, g2t, () -> loss(gradient, w1, w2t, samples, order), "W2");
    }

    private static double loss(BatchGradient gradient, float[] w1, float[] w2t, LayerSamples samples, int[] order) {
        return gradient.add(w1, w2t, samples.inputs(), samples, order, 0, order.length, 1f, new float[w1.length], new float[w2t.length], true);
    }

    private static void checkAgainstDifferences(float[] params, float[] grad, java.util.function.DoubleSupplier loss, String what) {
        float step = 1e-2f;
        int checked = 0;
        for (int i = 0; i < params.length; i++) {
            float keep = params[i];
            params[i] = keep + step;
            double up = loss.getAsDouble();
            params[i] = keep - step;
            double down = loss.getAsDouble();
            params[i] = keep;
            double numeric = (up - down) / (2 * step);
            assertEquals(numeric, grad[i], 2e-2 * Math.max(1, Math.abs(numeric)), what + "[" + i + "]");
            if (grad[i] != 0) checked++;
        }
        assertTrue(checked > params.length / 4, what + ": only " + checked + " non-zero gradients checked");
    }

    /**
     * A teacher predictor of rank 4 labels random residuals; a student of rank 8 trained on them must find its active
     * neurons on fresh residuals: this fails for a wrong gradient, a wrong sign of the labels or a lost input scale.
     */
    @Test
    void learnsWhatATeacherPredictorSelects() {
        int hidden = 32, ffn = 48, teacherRank = 4;
        SplittableRandom random = new SplittableRandom(5);
        float[] t1 = gaussian(random, teacherRank * hidden), t2 = shifted(gaussian(random, ffn * teacherRank));
        // residuals far from unit scale: training divides them by their rms and folds it into fc1
        float inputScale = 40f;
        LayerSamples training = teacherSamples(random, 3000, t1, t2, teacherRank, inputScale);
        LayerSamples fresh = teacherSamples(random, 500, t1, t2, teacherRank, inputScale);
        TrainedLayer student = PredictorTrainer.train(training, 8, new TrainingOptions(30, 32, 5e-3f, 4f, 9));
        assertTrue(Double.isFinite(student.loss()) && student.loss() > 0, "loss " + student.loss());
        long truePositives = 0, predicted = 0, active = 0;
        float[] h = new float[hidden];
        for (int t = 0; t < fresh.count(); t++) {
            fresh.input(t, h);
            float[] s = scores(student.fc1(), student.fc2(), 8, hidden, ffn, h);
            for (int i = 0; i < ffn; i++) {
                boolean picked = s[i] >= 0, on = fresh.active(t, i);
                if (picked) predicted++;
                if (on) active++;
                if (picked && on) truePositives++;
            }
        }
        double recall = (double) truePositives / active, selectedShare = (double) predicted / ((long) fresh.count() * ffn);
        double trueShare = (double) active / ((long) fresh.count() * ffn);
        assertTrue(trueShare > 0.05 && trueShare < 0.4, "the teacher leaves " + trueShare + " of the neurons active");
        assertTrue(recall > 0.93, "recall " + recall);
        assertTrue(selectedShare < 1.6 * trueShare, "selected " + selectedShare + " of the neurons, " + trueShare + " active");
    }

    @Test
    void theSameSeedGivesTheSameMatricesAndAnotherSeedOthers() {
        SplittableRandom random = new SplittableRandom(8);
        int hidden = 16, ffn = 24;
        float[] t1 = gaussian(random, 2 * hidden), t2 = shifted(gaussian(random, ffn * 2));
        LayerSamples samples = teacherSamples(random, 200, t1, t2, 2, 1f);
        TrainingOptions options = new TrainingOptions(3, 16, 1e-2f, 2f, 4);
        TrainedLayer a = PredictorTrainer.train(samples, 5, options), b = PredictorTrainer.train(samples, 5, options);
        assertArrayEquals(a.fc1(), b.fc1());
        assertArrayEquals(a.fc2(), b.fc2());
        assertEquals(a.loss(), b.loss());
        TrainedLayer c = PredictorTrainer.train(samples, 5, new TrainingOptions(3, 16, 1e-2f, 2f, 5));
        assertFalse(Arrays.equals(a.fc1(), c.fc1()));
        assertEquals(5 * hidden, a.fc1().length);
        assertEquals(ffn * 5, a.fc2().length);
    }

    /**
     * Training sees residuals divided by their rms, and fc1 takes that factor back: residuals 64 times larger (a power of
     * two, so every division is exact) give the same fc2 and an fc1 64 times smaller, the same scores. Without the fold
     * the selection at threshold 0 would not change, but every other threshold would mean something else per layer.
     */
    @Test
    void theResidualScaleIsFoldedIntoFc1() {
        SplittableRandom random = new SplittableRandom(6);
        int hidden = 16, ffn = 24;
        float[] t1 = gaussian(random, 2 * hidden), t2 = shifted(gaussian(random, ffn * 2));
        LayerSamples small = teacherSamples(random, 300, t1, t2, 2, 1f), large = new LayerSamples(hidden, ffn);
        float[] h = new float[hidden];
        boolean[] on = new boolean[ffn];
        for (int t = 0; t < small.count(); t++) {
            small.input(t, h);
            for (int i = 0; i < hidden; i++) h[i] *= 64;
            for (int i = 0; i < ffn; i++) on[i] = small.active(t, i);
            large.add(h, on);
        }
        TrainingOptions options = new TrainingOptions(4, 32, 1e-2f, 3f, 2);
        TrainedLayer a = PredictorTrainer.train(small, 6, options), b = PredictorTrainer.train(large, 6, options);
        assertArrayEquals(a.fc2(), b.fc2());
        for (int i = 0; i < a.fc1().length; i++) assertEquals(a.fc1()[i], b.fc1()[i] * 64, "fc1 " + i);
    }

    @Test
    void outOfRangeOptionsAndEmptySamplesAreRefused() {
        assertThrows(BambooException.class, () -> new TrainingOptions(0, 64, 1e-3f, 8, 1));
        assertThrows(BambooException.class, () -> new TrainingOptions(1, 0, 1e-3f, 8, 1));
        assertThrows(BambooException.class, () -> new TrainingOptions(1, 64, Float.NaN, 8, 1));
        assertThrows(BambooException.class, () -> new TrainingOptions(1, 64, 1e-3f, 0, 1));
        var e = assertThrows(BambooException.class, () -> PredictorTrainer.train(new LayerSamples(4, 4), 2, TrainingOptions.DEFAULTS));
        assertTrue(e.getMessage().contains("give a longer text"), e.getMessage());
        LayerSamples one = new LayerSamples(4, 4);
        one.add(new float[4], new boolean[4]);
        e = assertThrows(BambooException.class, () -> PredictorTrainer.train(one, 5, TrainingOptions.DEFAULTS));
        assertTrue(e.getMessage().contains("--rank 5 is out of range"), e.getMessage());
    }

    private static LayerSamples teacherSamples(SplittableRandom random, int n, float[] t1, float[] t2, int rank, float inputScale) {
        int hidden = t1.length / rank, ffn = t2.length / rank;
        LayerSamples samples = new LayerSamples(hidden, ffn);
        float[] h = new float[hidden];
        boolean[] on = new boolean[ffn];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < hidden; i++) h[i] = (float) random.nextGaussian() * inputScale;
            float[] s = scores(t1, t2, rank, hidden, ffn, h);
            for (int i = 0; i < ffn; i++) on[i] = s[i] >= 0;
            samples.add(h, on);
        }
        return samples;
    }

    /** {@code fc2 · relu(fc1 · h)}, plainly. */
    private static float[] scores(float[] fc1, float[] fc2, int rank, int hidden, int ffn, float[] h) {
        double[] mid = new double[rank];
        for (int k = 0; k < rank; k++) {
            for (int j = 0; j < hidden; j++) mid[k] += (double) fc1[k * hidden + j] * h[j];
            mid[k] = Math.max(0, mid[k]);
        }
        float[] s = new float[ffn];
        for (int i = 0; i < ffn; i++) {
            double sum = 0;
            for (int k = 0; k < rank; k++) sum += fc2[i * rank + k] * mid[k];
            s[i] = (float) sum;
        }
        return s;
    }

    /** Mostly negative weights: the teacher's scores are then mostly negative, its neurons mostly idle, as in an FFN. */
    private static float[] shifted(float[] w) {
        for (int i = 0; i < w.length; i++) w[i] -= 0.3f;
        return w;
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) random.nextGaussian() * 0.5f;
        return out;
    }
}
