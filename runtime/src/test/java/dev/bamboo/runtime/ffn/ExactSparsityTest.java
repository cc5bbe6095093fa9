package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.CpuSession;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact sparsity computes only the neurons whose gate is not cut off (positive; FATReLU: above its threshold) and must give the dense result. */
class ExactSparsityTest {

    static float[] logits(LoadedModel model, int[] ids, int threads, boolean exact, int maxBatch) {
        // every call split over the threads, however small: the demo's decode products are far below the default threshold
        try (ComputePool pool = new ComputePool(threads, 0)) {
            FeedForward ffn = exact
                    ? new SparseFeedForward(model.weights(), pool, new ExactSelector(model.weights(), pool), maxBatch)
                    : new DenseFeedForward(model.weights(), pool, maxBatch);
            float[][] all = new CpuSession(model.weights(), pool, ffn, 64, maxBatch).appendAllLogits(ids);
            int vocab = model.config().vocabSize();
            float[] flat = new float[ids.length * vocab];
            for (int t = 0; t < ids.length; t++) System.arraycopy(all[t], 0, flat, t * vocab, vocab);
            return flat;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-bamboo", "tiny-relullama", "bamboo-demo"})
    void exactEqualsDenseAndReference(String name) {
        try (LoadedModel model = ModelLoader.open(TestData.model(name));
             SafetensorsFile ref = SafetensorsFile.open(TestData.model(name).resolve("reference.safetensors"))) {
            int[] ids = ref.ints("input_ids");
            float[] dense = logits(model, ids, 2, false, 8);
            float[] exact = logits(model, ids, 2, true, 8);
            double vsDense = TestData.relL2(exact, dense);
            double vsRef = TestData.relL2(exact, ref.floats("logits"));
            assertTrue(vsDense < 1e-5, name + " exact vs dense " + vsDense);
            assertTrue(vsRef < 1e-4, name + " exact vs reference " + vsRef);
        }
    }

    @Test
    void threadCountDoesNotChangeResults() {
        try (LoadedModel model = ModelLoader.open(TestData.model("bamboo-demo"));
             SafetensorsFile ref = SafetensorsFile.open(TestData.model("bamboo-demo").resolve("reference.safetensors"))) {
            int[] ids = ref.ints("input_ids");
            // batches of 8 (prompt processing) and of 1 (a decode step per token), exact and dense
            assertArrayEquals(logits(model, ids, 1, true, 8), logits(model, ids, 2, true, 8));
            assertArrayEquals(logits(model, ids, 1, true, 1), logits(model, ids, 2, true, 1));
            assertArrayEquals(logits(model, ids, 1, false, 1), logits(model, ids, 2, false, 1));
        }
    }

    /**
     * ProSparse's FATReLU: tiny-relullama's weights with gate values below the threshold cut off. A negative threshold
     * keeps small negative gates, so exact mode must not take a non-positive gate for a zero neuron.
     */
    @ParameterizedTest
    @ValueSource(strings = {"0.05", "-0.05"})
    void exactEqualsDenseForFatRelu(String threshold, @TempDir Path dir) throws IOException {
        Path src = TestData.model("tiny-relullama");
        for (String f : new String[] {"model.safetensors", "tokenizer.model", "tokenizer_config.json", "generation_config.json"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json"))
                .replace("\"hidden_act\": \"relu\"", "\"hidden_act\": \"fatrelu\", \"hidden_act_param\": " + threshold));
        try (LoadedModel fat = ModelLoader.open(dir); LoadedModel relu = ModelLoader.open(src);
             SafetensorsFile ref = SafetensorsFile.open(src.resolve("reference.safetensors"))) {
            assertEquals("fatrelu(" + threshold + ")", fat.config().ffn().label());
            int[] ids = ref.ints("input_ids");
            float[] dense = logits(fat, ids, 2, false, 8);
            assertTrue(TestData.relL2(dense, logits(relu, ids, 2, false, 8)) > 1e-4, "the threshold changes the model");
            for (int batch : new int[] {8, 1}) {
                double vsDense = TestData.relL2(logits(fat, ids, 2, true, batch), dense);
                assertTrue(vsDense < 1e-5, "fatrelu exact vs dense, batch " + batch + ": " + vsDense);
            }
        }
    }

    @Test
    void exactOnSwiGLUIsRefused() {
        try (LoadedModel model = ModelLoader.open(TestData.model("tiny-mistral"))) {
            BambooException e = assertThrows(BambooException.class, () -> SparsityMode.EXACT.resolve(model.weights()));
            assertTrue(e.getMessage().contains("--sparsity dense"), e.getMessage());
        }
    }
}
