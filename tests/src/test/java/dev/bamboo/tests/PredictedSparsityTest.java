package dev.bamboo.tests;

import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Predicted sparsity against PowerInfer's semantics as computed by the reference (logits_predicted). */
class PredictedSparsityTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-bamboo", "tiny-relullama", "tiny-turbosparse", "bamboo-demo"})
    void predictedLogitsMatchReference(String name) {
        try (Model model = Model.load(Cli.model(name));
             SafetensorsFile ref = SafetensorsFile.open(Cli.model(name).resolve("reference.safetensors"))) {
            assertTrue(model.weights().predictor().isPresent(), name + " has a predictor");
            int[] ids = ref.ints("input_ids");
            double err = TestData.relL2(GgufReferenceTest.logits(model, ids, SparsityMode.PREDICTED, 2), ref.floats("logits_predicted"));
            assertTrue(err < 1e-4, name + " predicted rel. L2 " + err);
            // and the predictor really changes the result: dense logits differ from logits_predicted
            double dense = TestData.relL2(GgufReferenceTest.logits(model, ids, SparsityMode.DENSE, 2), ref.floats("logits_predicted"));
            assertTrue(dense > 1e-3, name + " dense vs predicted reference " + dense);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SparsityMode.class, names = {"DENSE", "EXACT", "PREDICTED"})
    void sameTokensForOneAndTwoThreads(SparsityMode mode) {
        try (Model model = Model.load(Cli.model("bamboo-demo"));
             SafetensorsFile ref = SafetensorsFile.open(Cli.model("bamboo-demo").resolve("reference.safetensors"))) {
            int[] prompt = ref.ints("prompt2_ids");
            assertArrayEquals(GreedyReferenceTest.greedy(model, prompt, 32, mode, 1), GreedyReferenceTest.greedy(model, prompt, 32, mode, 2), mode.label());
            int[] ids = ref.ints("input_ids");
            assertArrayEquals(GgufReferenceTest.logits(model, ids, mode, 1), GgufReferenceTest.logits(model, ids, mode, 2), mode.label() + " logits");
        }
    }

    @Test
    void predictedOnModelWithoutPredictorIsOneLineError() {
        Cli cli = Cli.run("generate", "-m", Cli.model("tiny-mistral").toString(), "-p", "hi", "--sparsity", "predicted");
        assertEquals(1, cli.exitCode());
        assertTrue(cli.err().startsWith("error: --sparsity predicted needs an activation predictor"), cli.err());
        assertTrue(cli.err().contains("use --sparsity dense"), cli.err());
        assertEquals(1, cli.err().strip().lines().count(), cli.err());
    }

    /** An empty predictor/ folder (a download that did not finish) is no predictor, and the error says what it lacks. */
    @Test
    void anEmptyPredictorFolderIsNoPredictor(@TempDir Path dir) throws IOException {
        Path demo = Cli.model("bamboo-demo");
        try (Stream<Path> files = Files.list(demo)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toAbsolutePath());
            }
        }
        Files.createDirectory(dir.resolve("predictor"));
        Cli cli = Cli.run("generate", "-m", dir.toString(), "-p", "hi", "--sparsity", "predicted");
        assertEquals(1, cli.exitCode());
        assertTrue(cli.err().contains("no predictor/ folder with model_0.safetensors or model_0.pt"), cli.err());
        assertTrue(cli.err().contains("use --sparsity exact"), cli.err());
        assertEquals(1, cli.err().strip().lines().count(), cli.err());
    }

    @Test
    void aThresholdForAModeWithoutPredictorIsNotSilentlyIgnored() {
        Cli cli = Cli.run("generate", "-p", "hi", "-n", "2", "--sparsity", "exact", "--sparse-threshold", "5");
        assertEquals(0, cli.exitCode(), cli.err());
        assertTrue(cli.err().contains("--sparse-threshold applies to the predictor; exact mode does not use it"), cli.err());
    }

    @Test
    void statsReportRecallAndActiveFractions() {
        Cli cli = Cli.run("generate", "-p", "Permission is hereby granted,", "--temp", "0", "-n", "8", "--sparsity", "predicted", "--stats");
        assertEquals(0, cli.exitCode(), cli.err());
        assertTrue(cli.err().contains("recall"), cli.err());
    }

    /**
     * With {@code --stats}, dense and exact mode also run the model's predictor beside the FFN, for its recall. The
     * first layer's input is the same in every mode (no FFN has run before it), so there the predictor beside must
     * pick what predicted mode picks, token for token: the same shares and recall. Later layers see each mode's own
     * residual stream.
     */
    @ParameterizedTest
    @EnumSource(value = SparsityMode.class, names = {"DENSE", "EXACT"})
    void thePredictorBesideDenseOrExactModeSeesTheResidualPredictedModeSees(SparsityMode mode) {
        try (Model model = Model.load(Cli.model("bamboo-demo"));
             SafetensorsFile ref = SafetensorsFile.open(Cli.model("bamboo-demo").resolve("reference.safetensors"));
             Engine beside = statsEngine(model, mode);
             Engine predicted = statsEngine(model, SparsityMode.PREDICTED)) {
            int[] ids = ref.ints("input_ids");
            beside.session().append(ids);
            predicted.session().append(ids);
            SparsityStats picks = beside.predictorStats().orElseThrow();
            assertEquals(predicted.stats().orElseThrow().layer(0), picks.layer(0), mode.label());
            assertEquals((long) ids.length * model.weights().config().layers(), picks.overall().tokens());
            assertTrue(picks.overall().recall() > 0.5 && picks.overall().predictedActive() < 0.5, picks.table());
            assertFalse(predicted.predictorStats().isPresent(), "predicted mode's own statistics are the predictor's");
        }
        try (Model swiglu = Model.load(Cli.model("tiny-mistral")); Engine dense = statsEngine(swiglu, SparsityMode.DENSE)) {
            assertFalse(dense.predictorStats().isPresent(), "no predictor, nothing beside");
        }
    }

    private static Engine statsEngine(Model model, SparsityMode mode) {
        return model.engine(EngineOptions.defaults().withThreads(2).withSparsity(mode).withContextLength(64).withStatistics(Statistics.FULL));
    }

    @Test
    void exactStatsShowThePredictorBeside() {
        Cli cli = Cli.run("generate", "-p", "Permission is hereby granted,", "--temp", "0", "-n", "4", "--sparsity", "exact", "--stats",
                "--sparse-threshold", "0.5");
        assertEquals(0, cli.exitCode(), cli.err());
        assertTrue(cli.err().contains("bamboo: predictor statistics (the predictor, run beside exact mode and not used;"), cli.err());
        assertFalse(cli.err().contains("--sparse-threshold applies to the predictor"), "the predictor beside uses it: " + cli.err());
    }

    /**
     * On a ReGLU model (tiny-relullama) a neuron whose gate passes runs even when its up is negative: its value is
     * negative, not zero, so it counts as truly active, and exact mode's true active share is exactly its computed one
     * (counting only positive values would halve it, with recall still 100 %).
     */
    @Test
    void exactStatsOfAReGluModelCountNegativeNeuronsAsActive() {
        Cli cli = Cli.run("generate", "-m", Cli.model("tiny-relullama").toString(), "-p", "hello world", "--temp", "0", "-n", "4",
                "--sparsity", "exact", "--stats");
        assertEquals(0, cli.exitCode(), cli.err());
        String all = cli.err().lines().filter(l -> l.strip().startsWith("all ")).findFirst().orElseThrow(() -> new AssertionError(cli.err()));
        String[] cells = all.strip().split("\\s+");
        assertEquals(cells[1], cells[2], "true active = computed: " + all);
        assertEquals("100.00%", cells[3], all);
    }
}
