package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.GgufReferenceCheck;
import dev.bamboo.runtime.TestData;
import dev.bamboo.tornado.support.RequiresTornado;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Every GGUF test file on the device against its own per-file reference, in each mode it supports, within the
 * tolerances the CPU engine is held to ({@code tests/src/test/resources/gguf-tolerances.csv}, read from there so both
 * backends share one table) and with the CPU engine's check ({@link GgufReferenceCheck}). Files in formats without
 * kernels (Q5_1, Q4_K_M) run dequantized to F32.
 */
class GgufReferenceDeviceTest extends RequiresTornado {

    static Stream<Arguments> files() throws IOException {
        Path csv = TestData.root().resolve("tests/src/test/resources/gguf-tolerances.csv");
        return Files.readAllLines(csv).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split(",", -1))
                .map(f -> Arguments.of(f[0].trim(), Double.parseDouble(f[1].trim()), f[2].isBlank() ? null : Double.valueOf(f[2].trim())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void matchesTheFileReference(String file, double tolerance, Double predictedTolerance) {
        GgufReferenceCheck.assertMatches(file, tolerance, predictedTolerance, DeviceLogits::all);
    }
}
