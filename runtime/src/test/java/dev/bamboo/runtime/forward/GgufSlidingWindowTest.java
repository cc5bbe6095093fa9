package dev.bamboo.runtime.forward;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.CpuSession;
import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.weights.gguf.GGUFCopies;
import dev.bamboo.weights.gguf.GGUFFile;
import dev.bamboo.weights.gguf.GGUFValue;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GGUF file of architecture {@code mistral} that names its sliding window runs it: tiny-mistral's f16 file (written
 * as {@code llama}, full attention) rewritten as {@code mistral} with the Hugging Face model's window of 16 matches
 * transformers' logits of the model with its window over 48 positions, which the {@code llama} file cannot.
 */
class GgufSlidingWindowTest {

    @Test
    void aMistralFileRunsItsWindow(@TempDir Path dir) {
        Path out = dir.resolve("tiny-mistral.f16.mistral.gguf");
        try (GGUFFile src = GGUFFile.open(TestData.gguf("tiny-mistral.f16.dense.gguf"))) {
            GGUFCopies.copy(src, out, name -> true, w -> {
                w.put("general.architecture", GGUFValue.ofString("mistral"));
                src.metadata().asMap().forEach((k, v) -> { if (k.startsWith("llama.")) w.put("mistral." + k.substring(6), v); });
                w.put("mistral.attention.sliding_window", GGUFValue.ofUInt32(16));
            });
        }
        try (SafetensorsFile ref = SafetensorsFile.open(TestData.model("tiny-mistral").resolve("reference.safetensors"))) {
            int[] ids = ref.ints("input_ids");
            float[] withWindow = ref.floats("logits");
            double windowed = relL2(out, ids, withWindow, 16), full = relL2(TestData.gguf("tiny-mistral.f16.dense.gguf"), ids, withWindow, 0);
            assertTrue(ids.length > 16, "the text is longer than the window");
            assertTrue(windowed < 3e-3, "mistral file vs transformers with the window: " + windowed);
            assertTrue(full > 0.1, "the llama file runs full attention: " + full);
        }
    }

    private static double relL2(Path file, int[] ids, float[] expected, int window) {
        try (LoadedModel model = ModelLoader.open(file); ComputePool pool = new ComputePool(2)) {
            assertEquals(window, model.config().slidingWindow());
            CpuSession session = new CpuSession(model.weights(), pool, new DenseFeedForward(model.weights(), pool, 16), 64, 16);
            return TestData.relL2(TestData.allLogits(session, ids), expected);
        }
    }
}
