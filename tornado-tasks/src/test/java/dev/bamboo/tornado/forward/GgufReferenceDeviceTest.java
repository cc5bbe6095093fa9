package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.tornado.support.Repo;
import dev.bamboo.tornado.support.RequiresTornado;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every GGUF test file on the device against its own per-file reference, in each mode it supports, within the
 * tolerances the CPU engine is held to ({@code tests/src/test/resources/gguf-tolerances.csv}, read from there so both
 * backends share one table). Files in formats without kernels (Q5_1, Q4_K_M) run dequantized to F32.
 */
class GgufReferenceDeviceTest extends RequiresTornado {

    static Stream<Arguments> files() throws IOException {
        Path csv = Repo.root().resolve("tests/src/test/resources/gguf-tolerances.csv");
        return Files.readAllLines(csv).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split(",", -1))
                .map(f -> Arguments.of(f[0].trim(), Double.parseDouble(f[1].trim()), f[2].isBlank() ? null : Double.valueOf(f[2].trim())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void matchesTheFileReference(String file, double tolerance, Double predictedTolerance) {
        Path gguf = Repo.root().resolve("testdata/gguf").resolve(file);
        Path refPath = gguf.resolveSibling(file.replace(".gguf", ".reference.safetensors"));
        try (Model model = Model.load(gguf); SafetensorsFile ref = SafetensorsFile.open(refPath)) {
            int[] ids = ref.ints("input_ids");
            float[] expected = ref.floats("logits");
            double dense = DeviceLogits.relL2(DeviceLogits.all(model, ids, SparsityMode.DENSE), expected);
            assertTrue(dense < tolerance, file + " dense rel. L2 " + dense + " >= " + tolerance);
            if (model.config().ffn().reluFamily()) {
                double exact = DeviceLogits.relL2(DeviceLogits.all(model, ids, SparsityMode.EXACT), expected);
                assertTrue(exact < tolerance, file + " exact rel. L2 " + exact + " >= " + tolerance);
            }
            if (predictedTolerance != null) {
                double predicted = DeviceLogits.relL2(DeviceLogits.all(model, ids, SparsityMode.PREDICTED), ref.floats("logits_predicted"));
                assertTrue(predicted < predictedTolerance, file + " predicted rel. L2 " + predicted + " >= " + predictedTolerance);
            }
        }
    }
}
