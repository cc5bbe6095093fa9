package dev.bamboo.tests;

import dev.bamboo.runtime.GgufReferenceCheck;
import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

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
}
