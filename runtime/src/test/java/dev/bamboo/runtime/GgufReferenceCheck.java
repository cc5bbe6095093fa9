package dev.bamboo.runtime;

import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.safetensors.SafetensorsFile;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GGUF test file ({@code testdata/gguf/<file>}) against its own reference ({@code <file>.reference.safetensors}:
 * float64 logits from the file's dequantized weights), in every sparsity mode the file supports. Shared by the CPU
 * engine's test and the TornadoVM backend's, which differ only in how they compute logits.
 */
public final class GgufReferenceCheck {
    private GgufReferenceCheck() {}

    /** Logits at every position of {@code ids}, flattened, in {@code mode}. */
    @FunctionalInterface
    public interface Logits {
        float[] of(Model model, int[] ids, SparsityMode mode);
    }

    /**
     * Dense (and exact, for a ReLU-family FFN) logits within {@code tolerance} of {@code logits}, predicted ones
     * within {@code predictedTolerance} of {@code logits_predicted} when that is given.
     */
    public static void assertMatches(String file, double tolerance, Double predictedTolerance, Logits logits) {
        Path gguf = TestData.gguf(file);
        Path refPath = gguf.resolveSibling(file.replace(".gguf", ".reference.safetensors"));
        try (Model model = Model.load(gguf); SafetensorsFile ref = SafetensorsFile.open(refPath)) {
            int[] ids = ref.ints("input_ids");
            float[] expected = ref.floats("logits");
            double dense = TestData.relL2(logits.of(model, ids, SparsityMode.DENSE), expected);
            assertTrue(dense < tolerance, file + " dense rel. L2 " + dense + " >= " + tolerance);
            if (model.config().ffn().reluFamily()) {
                double exact = TestData.relL2(logits.of(model, ids, SparsityMode.EXACT), expected);
                assertTrue(exact < tolerance, file + " exact rel. L2 " + exact + " >= " + tolerance);
            }
            if (predictedTolerance != null) {
                double predicted = TestData.relL2(logits.of(model, ids, SparsityMode.PREDICTED), ref.floats("logits_predicted"));
                assertTrue(predicted < predictedTolerance, file + " predicted rel. L2 " + predicted + " >= " + predictedTolerance);
            }
        }
    }
}
