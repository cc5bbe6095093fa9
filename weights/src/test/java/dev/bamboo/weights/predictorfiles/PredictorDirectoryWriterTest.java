package dev.bamboo.weights.predictorfiles;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.TestFiles;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictorDirectoryWriterTest {
    @TempDir
    Path tmp;

    @Test
    void theDemoPredictorWrittenAndReadBackIsTheSame() {
        Path demo = TestFiles.root().resolve("models/bamboo-demo/predictor"), copy = tmp.resolve("copy");
        try (LoadedPredictor original = PredictorFiles.loadDirectory(demo, 6, 256, 768)) {
            PredictorDirectoryWriter.write(original.weights(), copy);
            try (LoadedPredictor back = PredictorFiles.loadDirectory(copy, 6, 256, 768)) {
                assertEquals(original.weights().threshold(), back.weights().threshold());
                for (int l = 0; l < 6; l++) {
                    PredictorLayer a = original.weights().layers().get(l), b = back.weights().layers().get(l);
                    assertSameValues(a.fc1(), b.fc1(), "layer " + l + " fc1");
                    assertSameValues(a.fc2(), b.fc2(), "layer " + l + " fc2");
                }
            }
        }
        assertTrue(Files.exists(copy.resolve("model_5.safetensors")) && Files.exists(copy.resolve("config.json")));
    }

    @Test
    void floatsAreRoundedToF16AndTheThresholdKept() {
        float[] fc1 = {0.1f, -1f / 3, 1e-3f, 7f, 1f, -2.5f}, fc2 = {0.3f, 1e-4f, -100.25f, 0.7f};
        var predictor = new PredictorWeights(List.of(new PredictorLayer(f32(fc1, 2, 3), f32(fc2, 2, 2))), -0.5f, "test");
        Path dir = tmp.resolve("rounded");
        PredictorDirectoryWriter.write(predictor, dir);
        try (LoadedPredictor back = PredictorFiles.loadDirectory(dir, 1, 3, 2)) {
            assertEquals(-0.5f, back.weights().threshold());
            Tensor b1 = back.weights().layers().getFirst().fc1(), b2 = back.weights().layers().getFirst().fc2();
            assertEquals(2, b1.rows());
            assertEquals(2, b2.cols(), "fc2 is [ffn, rank]");
            for (int i = 0; i < fc1.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(fc1[i])), b1.get(i), "fc1 " + i);
            for (int i = 0; i < fc2.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(fc2[i])), b2.get(i), "fc2 " + i);
        }
    }

    @Test
    void aDirectoryWithAPredictorOrAFileIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path demo = TestFiles.root().resolve("models/bamboo-demo/predictor");
        var e = assertThrows(BambooException.class, () -> PredictorDirectoryWriter.checkTarget(demo));
        assertTrue(e.getMessage().contains("already holds a predictor") && e.getMessage().contains("choose another -o"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        e = assertThrows(BambooException.class, () -> PredictorDirectoryWriter.checkTarget(file));
        assertTrue(e.getMessage().contains("is a file, not a directory"), e.getMessage());
        PredictorDirectoryWriter.checkTarget(tmp.resolve("not-yet-made"));
    }

    private static Tensor f32(float[] values, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return Tensors.of("t", GGMLType.F32, rows, cols, MemorySegment.ofArray(b.array()));
    }

    private static void assertSameValues(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.rows(), actual.rows(), what);
        assertEquals(expected.cols(), actual.cols(), what);
        for (long i = 0; i < expected.size(); i++) {
            if (Float.floatToRawIntBits(expected.get(i)) != Float.floatToRawIntBits(actual.get(i))) {
                assertEquals(expected.get(i), actual.get(i), what + " value " + i);
            }
        }
    }
}
