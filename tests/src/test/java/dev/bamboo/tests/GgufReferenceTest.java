package dev.bamboo.tests;

import dev.bamboo.runtime.GgufReferenceCheck;
import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import org.junit.jupiter.params.ParameterizedTest;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every GGUF test file against its own per-file reference (float64 logits from the file's dequantized weights, with the
 * semantics the file carries), in every sparsity mode the file supports, within the README's tolerances.
 */
class GgufReferenceTest {

    /** The CPU engine's logits at every position of {@code ids}, flattened. */
    static float[] logits(Model model, int[] ids, SparsityMode mode, int threads) {
        try (Engine engine = model.engine(EngineOptions.defaults().withThreads(threads).withSparsity(mode).withContextLength(64))) {
            return TestData.allLogits(engine.session(), ids);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = "/gguf-tolerances.csv")
    void denseAndExactMatchTheFileReference(String file, double tolerance, Double predictedTolerance) {
        GgufReferenceCheck.assertMatches(file, tolerance, predictedTolerance, (model, ids, mode) -> logits(model, ids, mode, 2));
    }

    /** Float weights with float activations: exact sparsity is the dense result up to summation order. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny-bamboo.f32.dense.gguf", "tiny-bamboo.bf16.dense.gguf", "tiny-bamboo.f16.powerinfer.gguf",
            "tiny-relullama.f32.powerinfer.gguf"})
    void exactEqualsDenseOnFloatFiles(String file) {
        Path gguf = TestData.gguf(file);
        try (Model model = Model.load(gguf);
             SafetensorsFile ref = SafetensorsFile.open(gguf.resolveSibling(file.replace(".gguf", ".reference.safetensors")))) {
            int[] ids = ref.ints("input_ids");
            double err = TestData.relL2(logits(model, ids, SparsityMode.EXACT, 2), logits(model, ids, SparsityMode.DENSE, 2));
            assertTrue(err < 1e-5, file + ": exact vs dense relative L2 " + err);
        }
    }
}
