package dev.bamboo.weights.gguf;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.safetensors.SafetensorsFile;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Quantizer;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantizing the f32 sources reproduces PowerInfer's quantized files byte for byte (testdata/gguf/README.md,
 * "Byte-exact quantization pairs"): every tensor of the quantized file is re-made from the f32 data and compared.
 */
class ReferenceQuantizationTest {
    private static final Pattern PREDICTOR = Pattern.compile("blk\\.(\\d+)\\.(fc1|fc2)\\.weight");

    /** A float matrix in GGUF row layout. */
    interface Rows {
        void row(long r, float[] dst);
    }

    @Test
    void tinyBambooQ8_0DenseFromF32Dense() {
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-bamboo.f32.dense.gguf"));
             GGUFFile dst = GGUFFile.open(TestFiles.gguf("tiny-bamboo.q8_0.dense.gguf"))) {
            Map<GGMLType, Integer> counts = compareAll(dst, name -> fromTensor(src.tensor(name)));
            assertEquals(Map.of(GGMLType.Q8_0, 23, GGMLType.F32, 7), counts);
        }
    }

    @Test
    void tinyBambooQ4_0PowerInferFromF32DenseAndPredictors() {
        Path predictorDir = TestFiles.root().resolve("testdata/tiny-bamboo/predictor");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-bamboo.f32.dense.gguf"));
             GGUFFile dst = GGUFFile.open(TestFiles.gguf("tiny-bamboo.q4_0.powerinfer.gguf"))) {
            Map<GGMLType, Integer> counts = compareAll(dst, name -> {
                if (name.contains("ffn_down_t")) {
                    Tensor down = src.tensor(name.replace("ffn_down_t", "ffn_down"));
                    return transposed(down);
                }
                Matcher m = PREDICTOR.matcher(name);
                if (m.matches()) return paddedPredictor(predictorDir.resolve("model_" + m.group(1) + ".safetensors"), m.group(2), dst.tensorInfo(name));
                return fromTensor(src.tensor(name));
            });
            assertEquals(Map.of(GGMLType.Q4_0, 28, GGMLType.Q8_0, 1, GGMLType.F32, 7), counts);
        }
    }

    @Test
    void tinyReluLlamaQ4_0PowerInferFromF32PowerInfer() {
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-relullama.f32.powerinfer.gguf"));
             GGUFFile dst = GGUFFile.open(TestFiles.gguf("tiny-relullama.q4_0.powerinfer.gguf"))) {
            Map<GGMLType, Integer> counts = compareAll(dst, name -> {
                Tensor t = src.tensor(name);
                GGUFTensorInfo target = dst.tensorInfo(name);
                if (name.endsWith("fc1.weight")) return zeroPadded(t, target.rows(), (int) target.cols());
                if (name.endsWith("fc2.weight")) return zeroPadded(t, target.rows(), (int) target.cols());
                return fromTensor(t);
            });
            assertEquals(Map.of(GGMLType.Q4_0, 19, GGMLType.Q8_0, 1, GGMLType.F32, 5), counts);
        }
    }

    private static Map<GGMLType, Integer> compareAll(GGUFFile dst, java.util.function.Function<String, Rows> source) {
        Map<GGMLType, Integer> counts = new EnumMap<>(GGMLType.class);
        for (GGUFTensorInfo info : dst.tensorInfos()) {
            assertTrue(Quantizer.canQuantize(info.type()), info.name() + " " + info.type());
            byte[] expected = dst.tensorBytes(info.name()).toArray(ValueLayout.JAVA_BYTE);
            byte[] actual = quantize(source.apply(info.name()), info.type(), info.rows(), (int) info.cols());
            assertArrayEquals(expected, actual, dst.fileName() + ": " + info.name() + " (" + info.type() + ") differs");
            counts.merge(info.type(), 1, Integer::sum);
        }
        return counts;
    }

    private static byte[] quantize(Rows rows, GGMLType type, long nRows, int cols) {
        int rowBytes = (int) type.bytesFor(cols);
        byte[] out = new byte[Math.toIntExact(nRows * rowBytes)];
        float[] row = new float[cols];
        for (long r = 0; r < nRows; r++) {
            rows.row(r, row);
            Quantizer.quantizeRow(type, row, 0, cols, out, (int) (r * rowBytes));
        }
        return out;
    }

    private static Rows fromTensor(Tensor t) {
        return (r, dst) -> t.dequantizeRow(r, dst, 0);
    }

    private static Rows transposed(Tensor t) {
        return (r, dst) -> {
            for (int c = 0; c < t.rows(); c++) dst[c] = t.get(c * (long) t.cols() + r);
        };
    }

    /** {@code t} placed in the top-left corner of a zero matrix of the target shape (rank padding). */
    private static Rows zeroPadded(Tensor t, long rows, int cols) {
        return (r, dst) -> {
            java.util.Arrays.fill(dst, 0, cols, 0f);
            if (r < t.rows()) {
                for (int c = 0; c < t.cols(); c++) dst[c] = t.get(r * t.cols() + c);
            }
        };
    }

    private static Rows paddedPredictor(Path file, String which, GGUFTensorInfo target) {
        SafetensorsFile st = SafetensorsFile.open(file);
        // small test data: copy out and close at once
        Tensor t = st.tensor(which + ".weight");
        float[] values = new float[(int) t.size()];
        for (int i = 0; i < values.length; i++) values[i] = t.get(i);
        long rows = t.rows();
        int cols = t.cols();
        st.close();
        int targetCols = (int) target.cols();
        return (r, dst) -> {
            java.util.Arrays.fill(dst, 0, targetCols, 0f);
            if (r < rows) System.arraycopy(values, (int) (r * cols), dst, 0, cols);
        };
    }
}
