package dev.bamboo.tests;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.forward.CacheType;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An f16 KV cache (llama.cpp's default) on the reference models: the logits stay within the tolerance the reference
 * gives f16 weights (relative L2 1e-3), the rounding really happens, and any thread count gives the same logits. (A
 * predictor's choice is a threshold on a score, which the rounding moves: on the tiny random models neurons at the
 * threshold flip, 7.6e-3 on tiny-relullama, as f16 weights move them in the reference's own table.)
 */
class HalfKvCacheTest {

    @ParameterizedTest(name = "{0} {1} keys {2} values {3}")
    @CsvSource({"bamboo-demo,dense,F16,F16", "bamboo-demo,predicted,F16,F32", "bamboo-demo,exact,F32,F16", "tiny-mistral,dense,F16,F16",
            "tiny-relullama,exact,F16,F16"})
    void logitsStayWithinTheF16Tolerance(String name, String mode, CacheType keys, CacheType values) {
        SparsityMode sparsity = SparsityMode.parse(mode);
        try (Model model = Model.load(Cli.model(name));
             SafetensorsFile ref = SafetensorsFile.open(Cli.model(name).resolve("reference.safetensors"))) {
            int[] ids = ref.ints("input_ids");
            float[] expected = ref.floats(sparsity == SparsityMode.PREDICTED ? "logits_predicted" : "logits");
            KvCacheTypes types = new KvCacheTypes(keys, values);
            float[] half = logits(model, ids, sparsity, types, 2), full = logits(model, ids, sparsity, KvCacheTypes.F32, 2);
            double err = TestData.relL2(half, expected);
            assertTrue(err < 1e-3, name + " rel. L2 " + err);
            assertTrue(TestData.relL2(half, full) > 1e-7, "the cache rounds: " + TestData.relL2(half, full));
            assertArrayEquals(half, logits(model, ids, sparsity, types, 1), "-t 1 and -t 2");
        }
    }

    private static float[] logits(Model model, int[] ids, SparsityMode mode, KvCacheTypes types, int threads) {
        // a prompt batch of 16: the batch path and, across batches, the history read from the cache
        EngineOptions options = EngineOptions.defaults().withThreads(threads).withSparsity(mode).withContextLength(64).withPromptBatch(16).withKvCache(types);
        try (Engine engine = model.engine(options)) {
            return TestData.allLogits(engine.session(), ids);
        }
    }
}
