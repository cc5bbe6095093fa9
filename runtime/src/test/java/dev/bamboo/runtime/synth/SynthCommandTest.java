package dev.bamboo.runtime.synth;

import dev.bamboo.predictor.LayerSparsity;
import dev.bamboo.runtime.CliRun;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.gguf.GGUFFile;
import dev.bamboo.weights.gguf.GGUFModelLoader;
import dev.bamboo.weights.model.FfnKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bamboo synth}: written files load and run, the predictor hits the requested density with only truly active neurons. */
class SynthCommandTest {
    @TempDir Path dir;

    /** Decodes {@code n} random tokens after BOS with statistics; the pooled result. */
    private static LayerSparsity measure(Model m, int n, long seed) {
        try (Engine e = m.engine(EngineOptions.defaults().withThreads(2).withSparsity(SparsityMode.PREDICTED).withStatistics(Statistics.FULL).withContextLength(n + 1))) {
            Random r = new Random(seed);
            e.session().append(m.config().bosToken());
            for (int i = 0; i < n; i++) e.session().append(3 + r.nextInt(m.tokenizer().vocabSize() - 3));
            return e.stats().orElseThrow().overall();
        }
    }

    @Test
    void powerInferFileHasRequestedDensityAndOnlyTrulyActivePredictions() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        CliRun run = CliRun.of("synth", "--shape", "tiny", "--type", "q4_0", "--rank", "64", "--density", "0.2", "-o", file.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("predicted density"), run.out());
        try (GGUFFile g = GGUFFile.open(file)) {
            assertTrue(g.isPowerInfer());
            assertEquals("bamboo", g.architecture());
            assertTrue(g.contains("blk.0.ffn_down_t.weight") && g.contains("blk.3.fc1.weight") && g.contains("blk.3.fc2.weight"));
            assertFalse(g.contains("blk.0.ffn_down.weight"));
            double threshold = g.metadata().floatValue(GGUFModelLoader.SPARSE_THRESHOLD_KEY).orElseThrow();
            assertTrue(threshold > 0, "threshold " + threshold);
        }
        try (Model m = Model.load(file)) {
            assertInstanceOf(FfnKind.DReLU.class, m.config().ffn());
            assertEquals(64, m.weights().predictor().orElseThrow().layers().getFirst().rank());
            assertTrue(m.tokenizer().encode("hello world").length > 1);
            LayerSparsity s = measure(m, 24, 99);
            assertEquals(0.2, s.predictedActive(), 0.04, "predicted density");
            double hits = s.recall() * s.trueActive();
            assertEquals(1.0, hits / s.predictedActive(), 0.01, "share of predicted neurons that are truly active");
            assertTrue(s.trueActive() > s.predictedActive(), "true " + s.trueActive());
        }
        CliRun again = CliRun.of("generate", "-m", file.toString(), "-p", "hello", "-n", "4", "--ignore-eos");
        assertEquals(0, again.exitCode(), again.err());
    }

    @Test
    void denseGgufOfSwiGluShapeLoadsAndRuns() throws Exception {
        Path file = dir.resolve("mistral.gguf");
        CliRun run = CliRun.of("synth", "--shape", "mistral-7b", "--layers", "1", "--type", "q4_0", "-o", file.toString(), "--calibration-tokens", "0");
        assertEquals(0, run.exitCode(), run.err());
        try (GGUFFile g = GGUFFile.open(file)) {
            assertFalse(g.isPowerInfer());
            assertTrue(g.contains("blk.0.ffn_down.weight"));
            assertFalse(g.contains("blk.0.fc1.weight"));
        }
        try (Model m = Model.load(file)) {
            assertInstanceOf(FfnKind.SwiGLU.class, m.config().ffn());
            assertEquals(4096, m.config().hiddenSize());
            assertEquals(14336, m.config().intermediateSize());
            assertEquals(8, m.config().kvHeads());
            assertEquals(32000, m.config().vocabSize());
            assertTrue(m.weights().predictor().isEmpty());
        }
        CliRun bench = CliRun.of("bench", "-m", file.toString(), "-p", "4", "-n", "2", "-r", "1", "-t", "2", "--warm-up", "0", "-o", "jsonl");
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("\"model_type\":\"llama 480M Q4_0\""), bench.out());
    }

    @Test
    void sameBytesForOneAndTwoThreads() throws Exception {
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf");
        assertEquals(0, CliRun.of("synth", "--shape", "tiny", "--type", "f16", "--rank", "32", "-t", "1", "--calibration-tokens", "0", "-o", a.toString()).exitCode());
        assertEquals(0, CliRun.of("synth", "--shape", "tiny", "--type", "f16", "--rank", "32", "-t", "2", "--calibration-tokens", "0", "-o", b.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Path c = dir.resolve("c.gguf");
        assertEquals(0, CliRun.of("synth", "--shape", "tiny", "--type", "f16", "--rank", "32", "--seed", "2", "--calibration-tokens", "0", "-o", c.toString()).exitCode());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)), "another seed, other weights");
    }

    @Test
    void badInputIsOneLineError() throws Exception {
        String out = dir.resolve("x.gguf").toString();
        CliRun shape = CliRun.of("synth", "--shape", "llama-70b", "-o", out);
        assertTrue(shape.isOneLineError(), shape.err());
        assertTrue(shape.err().contains("bamboo-7b, mistral-7b, relullama-7b, bamboo-1b"), shape.err());
        CliRun type = CliRun.of("synth", "--shape", "tiny", "--type", "q2_k", "-o", out);
        assertTrue(type.isOneLineError(), type.err());
        assertTrue(type.err().contains("f16, q8_0, q4_0"), type.err());
        for (String d : new String[] {"0", "-0.1", "1.5", "NaN"}) {
            CliRun density = CliRun.of("synth", "--shape", "tiny", "--density", d, "-o", out);
            assertTrue(density.isOneLineError(), d + ": " + density.err());
        }
        CliRun format = CliRun.of("synth", "--shape", "mistral-7b", "--format", "powerinfer", "-o", out);
        assertTrue(format.isOneLineError(), format.err());
        CliRun rank = CliRun.of("synth", "--shape", "tiny", "--type", "q4_0", "--rank", "48", "-o", out);
        assertTrue(rank.isOneLineError(), rank.err());
        // a dense file has no predictor for --rank or --density to shape: refused rather than ignored
        CliRun denseRank = CliRun.of("synth", "--shape", "tiny", "--format", "gguf", "--rank", "64", "-o", out);
        assertTrue(denseRank.isOneLineError() && denseRank.err().contains("--rank sets the predictor"), denseRank.err());
        CliRun denseDensity = CliRun.of("synth", "--shape", "mistral-7b", "--density", "0.2", "-o", out);
        assertTrue(denseDensity.isOneLineError() && denseDensity.err().contains("--density sets the predictor"), denseDensity.err());
        Path existing = Files.writeString(dir.resolve("exists.gguf"), "keep me");
        CliRun exists = CliRun.of("synth", "--shape", "tiny", "-o", existing.toString());
        assertTrue(exists.isOneLineError(), exists.err());
        assertTrue(exists.err().contains("--force"), exists.err());
        assertEquals("keep me", Files.readString(existing));
        CliRun disk = CliRun.of("synth", "--shape", "bamboo-7b", "--type", "f16", "--layers", "10000", "-o", out);
        assertTrue(disk.isOneLineError(), disk.err());
        assertTrue(disk.err().contains("not enough disk space"), disk.err());
        assertFalse(Files.exists(Path.of(out)));
        CliRun root = CliRun.of("synth", "--shape", "tiny", "-o", "/");
        assertTrue(root.isOneLineError() && root.err().contains("-o / is a folder"), root.err());
        if (Files.exists(Path.of("/dev/null"))) {
            CliRun device = CliRun.of("synth", "--shape", "tiny", "--force", "-o", "/dev/null");
            assertTrue(device.isOneLineError() && device.err().contains("not a regular file"), device.err());
            assertTrue(Files.exists(Path.of("/dev/null")), "the device is left alone");
        }
        // a density so small that 1 - density rounds to 1 still has a threshold
        CliRun tiny = CliRun.of("synth", "--shape", "tiny", "--rank", "32", "--density", "1e-20", "--calibration-tokens", "0", "-o", dir.resolve("sparse.gguf").toString());
        assertEquals(0, tiny.exitCode(), tiny.err());
        CliRun forced = CliRun.of("synth", "--shape", "tiny", "--rank", "32", "--calibration-tokens", "4", "--force", "-o", existing.toString());
        assertEquals(0, forced.exitCode(), forced.err());
        try (Model m = Model.load(existing)) {
            assertEquals(256, m.config().hiddenSize());
        }
    }

    @Test
    void analyticThresholdIsTheNormalQuantile() {
        assertEquals(1.0364, Normal.quantile(0.85), 1e-4);
        assertEquals(-1.6449, Normal.quantile(0.05), 1e-4);
        assertEquals(0.0, Normal.quantile(0.5), 1e-12);
        assertEquals(3.0902, Normal.quantile(0.999), 1e-4);
    }
}
