package dev.bamboo.tests;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every GGUF test file against its own per-file reference (float64 logits from the file's dequantized weights, with the
 * semantics the file carries), in every sparsity mode the file supports, within the README's tolerances.
 */
class GgufReferenceTest {

    static float[] logits(Model model, int[] ids, SparsityMode mode, int threads) {
        try (Engine engine = model.engine(EngineOptions.defaults().withThreads(threads).withSparsity(mode).withContextLength(64))) {
            float[][] all = engine.session().appendAllLogits(ids);
            int vocab = model.config().vocabSize();
            float[] flat = new float[ids.length * vocab];
            for (int t = 0; t < ids.length; t++) System.arraycopy(all[t], 0, flat, t * vocab, vocab);
            return flat;
        }
    }

    static double relL2(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = "/gguf-tolerances.csv")
    void denseAndExactMatchTheFileReference(String file, double tolerance, Double predictedTolerance) {
        Path gguf = Cli.root().resolve("testdata/gguf").resolve(file);
        Path refPath = gguf.resolveSibling(file.replace(".gguf", ".reference.safetensors"));
        try (Model model = Model.load(gguf); SafetensorsFile ref = SafetensorsFile.open(refPath)) {
            int[] ids = ref.ints("input_ids");
            float[] expected = ref.floats("logits");
            double dense = relL2(logits(model, ids, SparsityMode.DENSE, 2), expected);
            assertTrue(dense < tolerance, file + " dense rel. L2 " + dense + " >= " + tolerance);
            if (predictedTolerance != null) {
                double predicted = relL2(logits(model, ids, SparsityMode.PREDICTED, 2), ref.floats("logits_predicted"));
                assertTrue(predicted < predictedTolerance, file + " predicted rel. L2 " + predicted + " >= " + predictedTolerance);
            }
            if (model.config().ffn().reluFamily()) {
                double exact = relL2(logits(model, ids, SparsityMode.EXACT, 2), expected);
                assertTrue(exact < tolerance, file + " exact rel. L2 " + exact + " >= " + tolerance);
            }
        }
    }
}
