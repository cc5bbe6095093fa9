package dev.bamboo.predictor;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.predictorfiles.LoadedPredictor;
import dev.bamboo.weights.predictorfiles.PredictorFiles;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ActivationPredictorTest {
    static final Path ROOT = TestFiles.root();
    static LoadedPredictor bamboo, demo;
    static ComputePool one, two;

    @BeforeAll
    static void load() {
        bamboo = PredictorFiles.loadDirectory(ROOT.resolve("testdata/tiny-bamboo/predictor"), 3, 128, 384);
        demo = PredictorFiles.loadDirectory(ROOT.resolve("models/bamboo-demo/predictor"), 6, 256, 768);
        one = new ComputePool(1);
        two = new ComputePool(2);
    }

    @AfterAll
    static void close() {
        bamboo.close();
        demo.close();
        one.close();
        two.close();
    }

    /** Residual-like inputs: Gaussian values with a few large outliers, as real residual streams have. */
    static float[] input(Random r, int n) {
        float[] h = new float[n];
        for (int i = 0; i < n; i++) h[i] = (float) (r.nextGaussian() * (i % 17 == 0 ? 4 : 1));
        return h;
    }

    /** {@code fc2 · relu(fc1 · h)} in double from the tensors' stored values, and each score's magnitude Σ|terms|. */
    static double[][] reference(PredictorLayer p, float[] h) {
        int rank = p.rank(), hidden = p.fc1().cols(), ffn = (int) p.fc2().rows();
        double[] mid = new double[rank], midAbs = new double[rank];
        for (int r = 0; r < rank; r++) {
            double s = 0, a = 0;
            for (int j = 0; j < hidden; j++) {
                double t = (double) p.fc1().get((long) r * hidden + j) * h[j];
                s += t;
                a += Math.abs(t);
            }
            mid[r] = Math.max(0, s);
            midAbs[r] = a;
        }
        double[] score = new double[ffn], mag = new double[ffn];
        for (int i = 0; i < ffn; i++) {
            double s = 0, a = 0;
            for (int r = 0; r < rank; r++) {
                double w = p.fc2().get((long) i * rank + r);
                s += w * mid[r];
                a += Math.abs(w) * midAbs[r];
            }
            score[i] = s;
            mag[i] = a;
        }
        return new double[][]{score, mag};
    }

    static void assertNearReference(PredictorLayer p, float[] h, float[] scores, double relTol, String what) {
        double[][] ref = reference(p, h);
        for (int i = 0; i < ref[0].length; i++) {
            double err = Math.abs(scores[i] - ref[0][i]);
            assertTrue(err <= relTol * ref[1][i] + 1e-6, what + " neuron " + i + ": " + scores[i] + " vs " + ref[0][i] + " (magnitude " + ref[1][i] + ")");
        }
    }

    static List<Integer> expectedActive(float[] scores, int n, float threshold) {
        return java.util.stream.IntStream.range(0, n).filter(i -> scores[i] >= threshold).boxed().toList();
    }

    static List<Integer> asList(int[] idx, int count) {
        return Arrays.stream(idx, 0, count).boxed().toList();
    }

    @Test
    void scoresMatchADoublePrecisionReference() {
        ActivationPredictor ap = new ActivationPredictor(bamboo.weights(), one);
        assertEquals(128, ap.hidden());
        assertEquals(384, ap.ffn());
        assertEquals(3, ap.layers());
        Random r = new Random(1);
        float[] scores = new float[384];
        for (int layer = 0; layer < 3; layer++) {
            for (int k = 0; k < 5; k++) {
                float[] h = input(r, 128);
                ap.scores(layer, h, scores);
                assertNearReference(bamboo.weights().layers().get(layer), h, scores, 2e-6, "layer " + layer);
            }
        }
    }

    @Test
    void activeSetIsExactlyTheScoresAtOrAboveTheThreshold() {
        Random r = new Random(2);
        float[] scores = new float[384];
        int[] active = new int[384];
        for (float threshold : new float[]{0f, 0.05f, -0.05f}) {
            ActivationPredictor ap = new ActivationPredictor(bamboo.weights(), one, threshold);
            assertEquals(threshold, ap.threshold());
            for (int layer = 0; layer < 3; layer++) {
                for (int k = 0; k < 4; k++) {
                    float[] h = input(r, 128);
                    ap.scores(layer, h, scores);
                    int n = ap.predict(layer, h, active);
                    List<Integer> expected = expectedActive(scores, 384, threshold);
                    assertEquals(expected, asList(active, n));
                    assertTrue(n > 0 && n < 384, "a random predictor selects some but not all neurons: " + n);
                }
            }
        }
        // a score exactly at the threshold counts as active
        assertEquals(List.of(1, 2), asList(active, ActivationPredictor.select(new float[]{-1f, 0f, 0.5f}, 3, 0f, active)));
    }

    @Test
    void batchScoresMatchTheReferenceAndTheirThreshold() {
        ActivationPredictor ap = new ActivationPredictor(bamboo.weights(), one);
        Random r = new Random(3);
        for (int n : new int[]{3, 5, 2, 5}) { // grows, shrinks and reuses its scratch
            for (int layer = 0; layer < 3; layer++) {
                float[][] hs = new float[n + 1][]; // one more input than used: only the first n count
                for (int t = 0; t <= n; t++) hs[t] = input(r, 128);
                float[][] scores = new float[n][384];
                ap.scoresBatch(layer, hs, n, scores);
                int[][] active = new int[n][384];
                int[] counts = new int[n];
                ap.predictBatch(layer, hs, n, active, counts);
                float[] single = new float[384];
                for (int t = 0; t < n; t++) {
                    assertNearReference(bamboo.weights().layers().get(layer), hs[t], scores[t], 2e-6, "batch token " + t);
                    assertEquals(expectedActive(scores[t], 384, 0f), asList(active[t], counts[t]));
                    ap.scores(layer, hs[t], single);
                    assertNearReference(bamboo.weights().layers().get(layer), hs[t], single, 2e-6, "single token " + t);
                }
            }
        }
    }

    @Test
    void oneAndTwoThreadsGiveIdenticalResults() {
        ActivationPredictor a = new ActivationPredictor(demo.weights(), one), b = new ActivationPredictor(demo.weights(), two);
        Random r = new Random(4);
        float[] sa = new float[768], sb = new float[768];
        int[] la = new int[768], lb = new int[768];
        for (int layer = 0; layer < 6; layer++) {
            float[] h = input(r, 256);
            a.scores(layer, h, sa);
            b.scores(layer, h, sb);
            assertArrayEquals(sa, sb);
            int na = a.predict(layer, h, la), nb = b.predict(layer, h, lb);
            assertEquals(asList(la, na), asList(lb, nb));
            float[][] hs = {input(r, 256), input(r, 256), input(r, 256), input(r, 256)};
            int[][] aa = new int[4][768], bb = new int[4][768];
            int[] ca = new int[4], cb = new int[4];
            a.predictBatch(layer, hs, aa, ca);
            b.predictBatch(layer, hs, bb, cb);
            float[][] ba = new float[4][768], bbs = new float[4][768];
            a.scoresBatch(layer, hs, 4, ba);
            b.scoresBatch(layer, hs, 4, bbs);
            for (int t = 0; t < 4; t++) {
                assertArrayEquals(ba[t], bbs[t]);
                assertEquals(asList(aa[t], ca[t]), asList(bb[t], cb[t]));
            }
        }
    }

    @Test
    void quantizedWeightsScoreThroughQuantizedActivations() {
        PredictorLayer f16 = bamboo.weights().layers().get(1); // rank 32: both matrices split into Q8_0 blocks
        PredictorLayer q8 = new PredictorLayer(quantizeQ8(f16.fc1()), quantizeQ8(f16.fc2()));
        PredictorWeights w = new PredictorWeights(List.of(q8), 0f, "q8 test");
        ActivationPredictor ap = new ActivationPredictor(w, two);
        Random r = new Random(5);
        float[] scores = new float[384];
        int[] active = new int[384];
        for (int k = 0; k < 6; k++) { // several inputs: stale quantized activations would show
            float[] h = input(r, 128);
            ap.scores(0, h, scores);
            assertNearReference(q8, h, scores, 0.02, "q8 input " + k);
            int n = ap.predict(0, h, active);
            assertEquals(expectedActive(scores, 384, 0f), asList(active, n));
        }
    }

    @Test
    void inconsistentPredictorLayersAreOneLineErrors() {
        try (LoadedPredictor relu = PredictorFiles.loadDirectory(ROOT.resolve("testdata/tiny-relullama/predictor"), 2, 96, 256)) {
            PredictorWeights mixed = new PredictorWeights(List.of(bamboo.weights().layers().get(0), relu.weights().layers().get(1)), 0f, "mixed");
            BambooException e = assertThrows(BambooException.class, () -> new ActivationPredictor(mixed, one));
            assertTrue(e.getMessage().contains("layer 1") && e.getMessage().contains("96") && e.getMessage().contains("128"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        BambooException e = assertThrows(BambooException.class,
                () -> PredictorFiles.loadDirectory(ROOT.resolve("testdata/tiny-bamboo/predictor"), 3, 128, 256));
        assertTrue(e.getMessage().contains("layer 0") && e.getMessage().contains("fc2.weight") && e.getMessage().contains("256"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /**
     * A NaN score, which no threshold selects, is an error that names its cause: NaN predictor weights, or a residual
     * that is not finite (the model's weights), never a neuron silently left out.
     */
    @Test
    void aNaNScoreIsAOneLineErrorNamingItsCause() {
        PredictorLayer good = bamboo.weights().layers().get(0);
        Tensor fc2 = good.fc2();
        float[] values = new float[Math.toIntExact(fc2.size())];
        for (int i = 0; i < values.length; i++) values[i] = fc2.get(i);
        values[5 * fc2.cols() + 3] = Float.NaN;
        Tensor nanFc2 = Tensors.of("blk.0.fc2.weight", GGMLType.F32, fc2.rows(), fc2.cols(), MemorySegment.ofArray(values));
        PredictorWeights corrupt = new PredictorWeights(List.of(new PredictorLayer(good.fc1(), nanFc2)), 0f, "corrupt.gguf");
        float[] h = input(new Random(5), 128);
        int[] active = new int[384];
        ActivationPredictor nan = new ActivationPredictor(corrupt, one);
        BambooException e = assertThrows(BambooException.class, () -> nan.predict(0, h, active));
        assertTrue(e.getMessage().contains("score of neuron 5 of layer 0 is NaN") && e.getMessage().contains("corrupt.gguf"), e.getMessage());
        BambooException batch = assertThrows(BambooException.class, () -> nan.predictBatch(0, new float[][] {h, h}, new int[][] {active, new int[384]}, new int[2]));
        assertEquals(e.getMessage(), batch.getMessage());

        float[] inf = h.clone();
        inf[7] = Float.POSITIVE_INFINITY;
        BambooException residual = assertThrows(BambooException.class, () -> new ActivationPredictor(bamboo.weights(), one).predict(0, inf, active));
        assertTrue(residual.getMessage().contains("residual stream entering layer 0's FFN is not finite (value 7: Infinity)"), residual.getMessage());
        assertFalse(e.getMessage().contains("\n") || residual.getMessage().contains("\n"));
    }

    /** ggml's reference Q8_0 quantization, written independently of the runtime: d = amax/127 (f16), q = round(x/d). */
    static Tensor quantizeQ8(Tensor t) {
        int cols = t.cols(), blocks = cols / 32;
        ByteBuffer b = ByteBuffer.allocate((int) (t.rows() * blocks * 34)).order(ByteOrder.LITTLE_ENDIAN);
        for (long row = 0; row < t.rows(); row++) {
            for (int blk = 0; blk < blocks; blk++) {
                float amax = 0;
                for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(t.get(row * cols + blk * 32 + i)));
                float d = amax / 127f, id = d == 0 ? 0 : 1 / d;
                b.putShort(Float.floatToFloat16(d));
                for (int i = 0; i < 32; i++) b.put((byte) ActivationVector.roundHalfAway(t.get(row * cols + blk * 32 + i) * id));
            }
        }
        return Tensors.of(t.name() + ".q8_0", GGMLType.Q8_0, t.rows(), cols, MemorySegment.ofArray(b.array()));
    }
}
