package dev.bamboo.runtime.engine;

import dev.bamboo.predictor.ActivationPredictor;
import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.runtime.ffn.ExactSelector;
import dev.bamboo.runtime.ffn.FeedForward;
import dev.bamboo.runtime.ffn.PredictedSelector;
import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.synth.SynthShape;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Q4_0PackedTensor;
import dev.bamboo.weights.tensor.Q4_0Tensor;
import dev.bamboo.weights.tensor.Q8_0PackedTensor;
import dev.bamboo.weights.tensor.Q8_0Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU engine on repacked Q4_0 and Q8_0 weights against the same model in its file layout, through every FFN mode,
 * for a batched prompt and for single decode steps: the packed kernels (gathers, row accumulations, batches) give the
 * same logits up to float summation order, what it does to the Q8_0 rounding of activations, and (Q4_0) the 8-bit
 * factors of the packed down projection. Each model is a PowerInfer file written by {@code bamboo synth} with rows of
 * 512 values, the smallest that pack.
 */
class PackedWeightsTest {
    /**
     * Both layouts form each block's integer dot exactly; only the float sum over blocks runs in another order. That
     * ~1e-7 difference can move an activation across a Q8_0 rounding boundary before the next product, which changes
     * it by one quantization step (measured here: up to 7e-4). The packed down projection also rounds its factors to
     * 8 bits, as a Q8_0 activation would be (measured here: 3.1e-3 dense and exact, 3.9e-3 predicted). The reference
     * tests allow 1.6e-2 and more for Q4_0.
     */
    private static final double TOLERANCE = 8e-3;
    @TempDir
    static Path dir;
    private static ComputePool pool;
    private static final Map<String, Model> models = new HashMap<>();

    /** A synthesized file and its weights in file layout and as the CPU engine packs them. */
    private record Model(LoadedModel loaded, ModelWeights file, ModelWeights packed) {}

    @BeforeAll
    static void startPool() {
        pool = new ComputePool(2, 0); // every call split, however small: the one-vs-two-threads test needs the parallel paths
    }

    /** The dReLU model of {@code type}, synthesized on first use. */
    private static Model model(GGMLType type) {
        return model(type, SynthShape.Activation.DRELU);
    }

    /** The model of {@code type} and FFN, synthesized on first use. */
    private static Model model(GGMLType type, SynthShape.Activation activation) {
        return models.computeIfAbsent(name(type, activation), n -> {
            LoadedModel loaded = SmallPowerInferFile.open(dir, n, activation, type, 512, 1024, 512, 7);
            return new Model(loaded, loaded.weights(), new CpuWeights(loaded.weights()).prepared(pool, 0).weights());
        });
    }

    /** The file name of {@link #model}'s file, less ".gguf". */
    private static String name(GGMLType type, SynthShape.Activation activation) {
        return activation == SynthShape.Activation.DRELU ? "packable-" + type : "packable-" + type + "-" + activation;
    }

    @AfterAll
    static void close() {
        pool.close();
        models.values().forEach(m -> m.loaded().close());
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0"})
    void everyMatrixIsPackedOnce(GGMLType type) {
        Model m = model(type);
        LayerWeights before = m.file().layers().get(0), after = m.packed().layers().get(0);
        Class<?> fileClass = type == GGMLType.Q4_0 ? Q4_0Tensor.class : Q8_0Tensor.class;
        Class<?> packedClass = type == GGMLType.Q4_0 ? Q4_0PackedTensor.class : Q8_0PackedTensor.class;
        assertInstanceOf(fileClass, before.ffnGate());
        var predictor = m.packed().predictor().orElseThrow().layers().get(0);
        for (var t : Arrays.asList(after.wq(), after.wk(), after.wv(), after.wo(), after.ffnGate(), after.ffnUp(), after.ffnDownT(),
                predictor.fc1(), predictor.fc2())) {
            assertInstanceOf(packedClass, t, t.name());
        }
        CpuWeights shared = new CpuWeights(m.file());
        assertSame(shared.prepared(pool, 0), shared.prepared(pool, 0), "a second engine of the model reuses the packed weights");
    }

    /**
     * An engine in predicted mode bundles a repacked Q4_0 model's neurons and says so, and so does one in exact mode
     * where every neuron whose gate passes is active (ReGLU; a dReLU neuron's up may still cut it, and there bundles
     * only tie the matrices); dense engines (with statistics too, which run every neuron through the sparse FFN) and
     * other types do not.
     */
    @ParameterizedTest
    @CsvSource({"Q4_0, DRELU", "Q4_0, REGLU", "Q8_0, DRELU"})
    void sparseEnginesBundleQ4_0Neurons(GGMLType type, SynthShape.Activation activation) {
        model(type, activation);
        try (dev.bamboo.runtime.model.Model m = dev.bamboo.runtime.model.Model.load(dir.resolve(name(type, activation) + ".gguf"))) {
            for (SparsityMode mode : new SparsityMode[] {SparsityMode.PREDICTED, SparsityMode.EXACT, SparsityMode.DENSE}) {
                EngineOptions options = EngineOptions.defaults().withThreads(2).withSparsity(mode).withContextLength(64);
                if (mode == SparsityMode.DENSE) options = options.withStatistics(Statistics.FULL);
                try (Engine engine = m.engine(options)) {
                    boolean bundled = engine.notes().stream().anyMatch(n -> n.contains("sparse decode steps read neuron bundles"));
                    boolean expected = type == GGMLType.Q4_0
                            && (mode == SparsityMode.PREDICTED || mode == SparsityMode.EXACT && activation == SynthShape.Activation.REGLU);
                    assertEquals(expected, bundled, mode + ": " + engine.notes());
                }
            }
        }
        CpuWeights shared = new CpuWeights(model(type).file());
        shared.prepared(pool, 0);
        assertSame(shared.neuronBundles(pool, 0), shared.neuronBundles(pool, 0), "a second engine of the model reuses the bundles");
    }

    /**
     * A model whose first engine reads neuron bundles (predicted; exact on ReGLU) lays its FFN out as bundles, in place
     * of the matrices, and an engine that multiplies some of them whole gets copies of its own of those. Whatever the
     * order of the engines on one model, each mode gives bitwise the logits it gives when made first.
     */
    @ParameterizedTest
    @EnumSource(names = {"DRELU", "REGLU"})
    void theFirstEngineChoosesTheLayoutAndEveryModeGivesTheSameLogits(SynthShape.Activation activation) {
        model(GGMLType.Q4_0, activation);
        int[] prompt = {1, 17, 300, 5, 999, 42, 77, 8};
        int[] steps = {11, 700, 250};
        SparsityMode p = SparsityMode.PREDICTED, e = SparsityMode.EXACT, d = SparsityMode.DENSE;
        Map<SparsityMode, List<float[][]>> logits = new java.util.EnumMap<>(SparsityMode.class);
        for (SparsityMode[] order : new SparsityMode[][] {{p, d, e}, {d, e, p}, {e, p, d}}) {
            try (dev.bamboo.runtime.model.Model m = dev.bamboo.runtime.model.Model.load(dir.resolve(name(GGMLType.Q4_0, activation) + ".gguf"))) {
                for (SparsityMode mode : order) {
                    try (Engine engine = m.engine(EngineOptions.defaults().withThreads(2).withSparsity(mode).withContextLength(64))) {
                        String notes = String.join("; ", engine.notes());
                        boolean readsBundles = mode == p || mode == e && activation == SynthShape.Activation.REGLU;
                        if (mode == order[0] && readsBundles) {
                            assertTrue(notes.contains("read neuron bundles: ffn_gate, ffn_up and ffn_down_t laid out by neuron in place of the matrices"), mode + ": " + notes);
                        }
                        if (mode == order[0] && mode == e && readsBundles) assertTrue(notes.contains("copied 2 FFN matrices out of the neuron bundles"), notes);
                        if (mode == d && order[0] == p) assertTrue(notes.contains("copied 4 FFN matrices out of the neuron bundles"), notes);
                        if (mode != order[0] && order[0] == d && readsBundles) assertTrue(notes.contains("laid out by neuron beside the matrices"), mode + ": " + notes);
                        float[][] run = new float[1 + steps.length][];
                        run[0] = dev.bamboo.runtime.TestData.allLogits(engine.session(), prompt);
                        for (int k = 0; k < steps.length; k++) run[1 + k] = engine.session().appendAllLogits(new int[] {steps[k]})[0];
                        logits.computeIfAbsent(mode, x -> new java.util.ArrayList<>()).add(run);
                    }
                }
            }
        }
        logits.forEach((mode, runs) -> {
            for (int r = 1; r < runs.size(); r++) {
                for (int step = 0; step < runs.get(0).length; step++) {
                    for (int v = 0; v < runs.get(0)[step].length; v++) {
                        if (Float.floatToRawIntBits(runs.get(0)[step][v]) != Float.floatToRawIntBits(runs.get(r)[step][v])) {
                            throw new AssertionError(mode + " step " + step + " logit " + v + ": " + runs.get(0)[step][v] + " in one order, " + runs.get(r)[step][v] + " in another");
                        }
                    }
                }
            }
        });
    }

    /** --stats measures the true activity with whole gate and up products: a predicted engine then gets them as matrices of their own. */
    @org.junit.jupiter.api.Test
    void aPredictedEngineWithStatisticsCopiesTheGateAndUp() {
        model(GGMLType.Q4_0);
        try (dev.bamboo.runtime.model.Model m = dev.bamboo.runtime.model.Model.load(dir.resolve(name(GGMLType.Q4_0, SynthShape.Activation.DRELU) + ".gguf"));
             Engine engine = m.engine(EngineOptions.defaults().withThreads(2).withSparsity(SparsityMode.PREDICTED).withContextLength(64).withStatistics(Statistics.FULL))) {
            String notes = String.join("; ", engine.notes());
            assertTrue(notes.contains("in place of the matrices") && notes.contains("copied 4 FFN matrices out of the neuron bundles"), notes);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0"})
    void denseLogitsMatchTheFileLayout(GGMLType type) {
        compare(model(type), w -> new DenseFeedForward(w, pool, 16));
    }

    /**
     * Packed Q4_0 runs its single exact steps through the up and down parts of neuron bundles when asked (as engines do
     * for ReGLU, whose neurons are all active where the gate passes, and tests force for dReLU).
     */
    @ParameterizedTest
    @CsvSource({"Q4_0, DRELU, false", "Q4_0, DRELU, true", "Q4_0, REGLU, true", "Q8_0, DRELU, false"})
    void exactLogitsMatchTheFileLayout(GGMLType type, SynthShape.Activation activation, boolean bundled) {
        Model m = model(type, activation);
        compare(m, w -> {
            SparseFeedForward ffn = new SparseFeedForward(w, pool, new ExactSelector(w, pool), 16);
            if (bundled) assertEquals(w == m.packed(), ffn.bundleNeurons(SparseFeedForward.neuronBundles(w, pool, 0)) > 0, "bundles made");
            return ffn;
        });
    }

    /**
     * Both sides select neurons with the file-layout predictor: a score a rounding away from the threshold may select
     * differently with the packed predictor, whose scores are compared on their own below. Packed Q4_0 runs its single
     * steps through neuron bundles when asked (the file layout cannot be bundled).
     */
    @ParameterizedTest
    @CsvSource({"Q4_0, false", "Q4_0, true", "Q8_0, false", "Q8_0, true"})
    void predictedLogitsMatchTheFileLayout(GGMLType type, boolean bundled) {
        ModelWeights file = model(type).file();
        compare(model(type), w -> {
            SparseFeedForward ffn = new SparseFeedForward(w, pool, new PredictedSelector(new ActivationPredictor(file.predictor().orElseThrow(), pool)), 16);
            if (bundled) assertEquals(type == GGMLType.Q4_0 && w == model(type).packed(), ffn.bundleNeurons(SparseFeedForward.neuronBundles(w, pool, 0)) > 0, "bundles made");
            return ffn;
        });
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0"})
    void predictorScoresMatchTheFileLayout(GGMLType type) {
        ModelWeights file = model(type).file(), packed = model(type).packed();
        ActivationPredictor a = new ActivationPredictor(file.predictor().orElseThrow(), pool);
        ActivationPredictor b = new ActivationPredictor(packed.predictor().orElseThrow(), pool);
        java.util.Random random = new java.util.Random(3);
        for (int layer = 0; layer < file.layers().size(); layer++) {
            float[] h = new float[512];
            for (int i = 0; i < h.length; i++) h[i] = (float) random.nextGaussian();
            float[] sa = new float[a.ffn()], sb = new float[b.ffn()];
            a.scores(layer, h, sa);
            b.scores(layer, h, sb);
            double diff = 0, norm = 0;
            for (int i = 0; i < sa.length; i++) {
                diff += Math.pow(sa[i] - sb[i], 2);
                norm += Math.pow(sa[i], 2);
            }
            assertTrue(Math.sqrt(diff / norm) < TOLERANCE, "layer " + layer + " scores: relative L2 " + Math.sqrt(diff / norm));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0"})
    void oneAndTwoThreadsGiveBitwiseTheSameLogits(GGMLType type) {
        ModelWeights packed = model(type).packed();
        int[] prompt = {1, 17, 300, 5, 999, 42};
        int[] steps = {11, 700, 250};
        try (ComputePool one = new ComputePool(1)) {
            // neuron bundles are for repacked Q4_0 only
            String[] modes = type == GGMLType.Q4_0 ? new String[] {"exact", "exact, bundled", "predicted", "predicted, bundled"} : new String[] {"exact", "predicted"};
            for (String mode : modes) {
                float[][] a = run(packed, ffn(packed, pool, mode), prompt, steps, pool);
                float[][] b = run(packed, ffn(packed, one, mode), prompt, steps, one);
                for (int p = 0; p < a.length; p++) {
                    for (int v = 0; v < a[p].length; v++) {
                        if (Float.floatToRawIntBits(a[p][v]) != Float.floatToRawIntBits(b[p][v])) {
                            throw new AssertionError(mode + " position " + p + " logit " + v + ": " + a[p][v] + " vs " + b[p][v]);
                        }
                    }
                }
            }
        }
    }

    /**
     * A prompt token gets the same bits whichever tokens share its batch: the sparse prompt path sums each token's
     * terms over the batch's sorted union of neurons in fixed chunks ({@code TermChunks}), so a 12-token prompt in one
     * batch and in batches of 4 give bitwise the same logits.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0"})
    void howAPromptIsCutIntoBatchesDoesNotChangeItsLogits(GGMLType type) {
        ModelWeights packed = model(type).packed();
        int[] prompt = {1, 17, 300, 5, 999, 42, 77, 8, 123, 64, 512, 3};
        for (String mode : new String[] {"exact", "predicted"}) {
            float[][] whole, quarters;
            try (CpuSession one = new CpuSession(packed, pool, ffn(packed, pool, mode), 64, 16)) {
                whole = one.appendAllLogits(prompt);
            }
            try (CpuSession four = new CpuSession(packed, pool, ffn(packed, pool, mode), 64, 4)) {
                quarters = four.appendAllLogits(prompt);
            }
            for (int p = 0; p < prompt.length; p++) {
                for (int v = 0; v < whole[p].length; v++) {
                    if (Float.floatToRawIntBits(whole[p][v]) != Float.floatToRawIntBits(quarters[p][v])) {
                        throw new AssertionError(mode + " position " + p + " logit " + v + ": " + whole[p][v] + " in one batch, " + quarters[p][v] + " in batches of 4");
                    }
                }
            }
        }
    }

    private static FeedForward ffn(ModelWeights w, ComputePool threads, String mode) {
        SparseFeedForward ffn = mode.startsWith("exact")
                ? new SparseFeedForward(w, threads, new ExactSelector(w, threads), 16)
                : new SparseFeedForward(w, threads, new PredictedSelector(new ActivationPredictor(w.predictor().orElseThrow(), threads)), 16);
        if (mode.endsWith("bundled")) assertTrue(ffn.bundleNeurons(SparseFeedForward.neuronBundles(w, threads, 0)) > 0, "bundles made");
        return ffn;
    }

    private static void compare(Model m, Function<ModelWeights, FeedForward> ffn) {
        int[] prompt = {1, 17, 300, 5, 999, 42, 77, 8, 123, 64, 512, 3};
        int[] steps = {11, 700, 250, 90};
        float[][] expected = run(m.file(), ffn.apply(m.file()), prompt, steps);
        float[][] actual = run(m.packed(), ffn.apply(m.packed()), prompt, steps);
        for (int p = 0; p < expected.length; p++) {
            double diff = 0, norm = 0;
            for (int v = 0; v < expected[p].length; v++) {
                diff += Math.pow(expected[p][v] - actual[p][v], 2);
                norm += Math.pow(expected[p][v], 2);
            }
            double rel = Math.sqrt(diff / norm);
            assertTrue(rel < TOLERANCE, "position " + p + ": relative L2 " + rel);
        }
    }

    /** Logits of every prompt position (one batch), then of each single step. */
    private static float[][] run(ModelWeights w, FeedForward ffn, int[] prompt, int[] steps) {
        return run(w, ffn, prompt, steps, pool);
    }

    private static float[][] run(ModelWeights w, FeedForward ffn, int[] prompt, int[] steps, ComputePool threads) {
        try (CpuSession session = new CpuSession(w, threads, ffn, 64, 16)) {
            float[][] all = Arrays.copyOf(session.appendAllLogits(prompt), prompt.length + steps.length);
            for (int i = 0; i < prompt.length; i++) all[i] = all[i].clone();
            for (int s = 0; s < steps.length; s++) all[prompt.length + s] = session.append(steps[s]).clone();
            return all;
        }
    }
}
