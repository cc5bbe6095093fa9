package dev.bamboo.runtime.engine;

import dev.bamboo.predictor.ActivationPredictor;
import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.runtime.ffn.FeedForward;
import dev.bamboo.runtime.ffn.PredictedSelector;
import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.runtime.synth.SynthFormat;
import dev.bamboo.runtime.synth.SynthOptions;
import dev.bamboo.runtime.synth.SynthShape;
import dev.bamboo.runtime.synth.Synthesizer;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.F16ColumnsTensor;
import dev.bamboo.weights.tensor.F16Tensor;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU engine's weights copied out of the mapped file (an F16 PowerInfer file, which nothing repacks): every matrix
 * the forward pass multiplies is copied, with the same values (the ones it only multiplies whole may be stored by
 * columns, {@link Tensors#columns}: not at this small shape, but a SwiGLU model's wide FFN is), and the copies give the
 * logits of the mapped weights.
 */
class CopiedWeightsTest {
    @TempDir
    static Path dir;
    private static final ComputePool pool = new ComputePool(2);
    private static LoadedModel loaded;
    private static CpuWeights cpu;
    /** The weights as mapped from the file, and as the CPU engine runs them. */
    private static ModelWeights file, copied;

    @BeforeAll
    static void copy() {
        loaded = SmallPowerInferFile.open(dir, "copied", GGMLType.F16, 256, 512, 128, 9);
        file = loaded.weights();
        cpu = new CpuWeights(file);
        copied = cpu.prepared(pool, 0).weights();
    }

    @AfterAll
    static void close() {
        cpu.close();
        loaded.close();
        pool.close();
    }

    /** The matrices whose rows the sparse FFN gathers: copied as they are. */
    private static List<Tensor> gathered(ModelWeights w) {
        List<Tensor> all = new ArrayList<>();
        for (LayerWeights l : w.layers()) all.addAll(Arrays.asList(l.ffnGate(), l.ffnUp(), l.ffnDownT()));
        return all;
    }

    /** The matrices only ever multiplied whole: their layout is free. */
    private static List<Tensor> whole(ModelWeights w) {
        List<Tensor> all = new ArrayList<>();
        for (LayerWeights l : w.layers()) all.addAll(Arrays.asList(l.wq(), l.wk(), l.wv(), l.wo()));
        w.predictor().orElseThrow().layers().forEach(p -> all.addAll(List.of(p.fc1(), p.fc2())));
        all.add(w.output());
        return all;
    }

    @Test
    void everyMultipliedMatrixIsCopied() {
        List<Tensor> before = gathered(file), after = gathered(copied);
        for (int i = 0; i < before.size(); i++) {
            assertTrue(Tensors.mapped(before.get(i)), before.get(i).name());
            assertFalse(Tensors.mapped(after.get(i)), after.get(i).name() + " still reads the file");
            assertEquals(GGMLType.F16, after.get(i).type());
            assertEquals(-1, after.get(i).data().mismatch(before.get(i).data()), after.get(i).name());
        }
        before = whole(file);
        after = whole(copied);
        for (int i = 0; i < before.size(); i++) {
            Tensor b = before.get(i), a = after.get(i);
            assertTrue(Tensors.mapped(b), b.name());
            assertFalse(Tensors.mapped(a), a.name() + " still reads the file");
            assertEquals(b.rows(), a.rows(), b.name());
            assertEquals(b.cols(), a.cols(), b.name());
            for (long k = 0; k < b.size(); k += 7) assertEquals(Float.floatToRawIntBits(b.get(k)), Float.floatToRawIntBits(a.get(k)), b.name() + " at " + k);
        }
        assertTrue(Tensors.mapped(copied.tokenEmbedding()), "the embedding, read a row per token, stays in the file");
        assertTrue(cpu.prepared(pool, 0).note().orElseThrow().contains("copied"), "the engine says what it copied");
    }

    @Test
    void denseLogitsAreThoseOfTheMappedWeights() {
        compare(w -> new DenseFeedForward(w, pool, 16));
    }

    @Test
    void predictedLogitsAreThoseOfTheMappedWeights() {
        compare(w -> new SparseFeedForward(w, pool, new PredictedSelector(new ActivationPredictor(w.predictor().orElseThrow(), pool)), 16));
    }

    /**
     * A SwiGLU model has no sparse mode, so its FFN is only multiplied whole: gate and up (4096 rows of 2112 values
     * here) are stored by columns like the attention's large matrices; down (2112 rows) is too short for it.
     */
    @Test
    void swigluFfnIsStoredByColumnsAndGivesTheLogitsOfTheMappedWeights() {
        SynthShape shape = new SynthShape("swiglu-wide", "llama", SynthShape.Activation.SWIGLU, 2112, 4096, 1, 4, 2, 1024, 256, SynthFormat.GGUF);
        Path path = dir.resolve("swiglu-wide.gguf");
        Synthesizer.write(path, new SynthOptions(shape, GGMLType.F16, SynthFormat.GGUF, 128, 0.2, 5, 2, 4), true,
                new PrintWriter(Writer.nullWriter()), line -> {});
        try (LoadedModel swiglu = ModelLoader.open(path); CpuWeights swigluCpu = new CpuWeights(swiglu.weights())) {
            ModelWeights mapped = swiglu.weights(), copy = swigluCpu.prepared(pool, 0).weights();
            LayerWeights l = copy.layers().getFirst();
            assertInstanceOf(F16ColumnsTensor.class, l.ffnGate());
            assertInstanceOf(F16ColumnsTensor.class, l.ffnUp());
            assertInstanceOf(F16Tensor.class, l.ffnDown());
            compare(mapped, copy, w -> new DenseFeedForward(w, pool, 16));
        }
    }

    private static void compare(Function<ModelWeights, FeedForward> ffn) {
        compare(file, copied, ffn);
    }

    private static void compare(ModelWeights file, ModelWeights copied, Function<ModelWeights, FeedForward> ffn) {
        int[] prompt = {1, 17, 300, 5, 999, 42, 77, 8};
        int[] steps = {11, 700, 250};
        float[][] expected = run(file, ffn.apply(file), prompt, steps);
        float[][] actual = run(copied, ffn.apply(copied), prompt, steps);
        // within float rounding (a matrix stored by columns sums in another order), and the same bits run after run
        for (int p = 0; p < expected.length; p++) {
            double diff = 0, norm = 0;
            for (int i = 0; i < expected[p].length; i++) {
                diff += (expected[p][i] - actual[p][i]) * (double) (expected[p][i] - actual[p][i]);
                norm += expected[p][i] * (double) expected[p][i];
            }
            assertTrue(Math.sqrt(diff / norm) < 1e-5, "position " + p + ": relative L2 " + Math.sqrt(diff / norm));
        }
        float[][] again = run(copied, ffn.apply(copied), prompt, steps);
        for (int p = 0; p < actual.length; p++) assertArrayEquals(actual[p], again[p], 0f, "position " + p + " run again");
    }

    private static float[][] run(ModelWeights w, FeedForward ffn, int[] prompt, int[] steps) {
        try (CpuSession session = new CpuSession(w, pool, ffn, 64, 16)) {
            float[][] all = Arrays.copyOf(session.appendAllLogits(prompt), prompt.length + steps.length);
            for (int i = 0; i < prompt.length; i++) all[i] = all[i].clone();
            for (int s = 0; s < steps.length; s++) all[prompt.length + s] = session.append(steps[s]).clone();
            return all;
        }
    }
}
