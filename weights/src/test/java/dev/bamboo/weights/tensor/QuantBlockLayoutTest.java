package dev.bamboo.weights.tensor;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.gguf.GGUFFile;
import dev.bamboo.weights.gguf.GGUFTensorInfo;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row primitives of Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K agree with their scalar {@code get}: on real tensors
 * of the test files where present (their {@code get} is checked against the Hugging Face weights elsewhere), and on
 * hand-built blocks whose values are known by construction for Q4_1 and Q5_K, which no test file contains. (Random
 * blocks of every type go through {@link KernelDifferentialTest}.)
 */
class QuantBlockLayoutTest {

    private static Path gguf(String name) {
        return TestFiles.gguf(name);
    }

    @Test
    void realTensorsRowOperationsAgreeWithGet() {
        List<GGMLType> seen = new ArrayList<>();
        for (String file : List.of("bamboo-demo.q4_k_m.dense.gguf", "bamboo-demo.q5_1.dense.gguf", "bamboo-demo.q8_0.powerinfer.gguf")) {
            try (GGUFFile f = GGUFFile.open(gguf(file))) {
                for (GGUFTensorInfo info : f.tensorInfos()) {
                    GGMLType t = info.type();
                    if (t != GGMLType.Q4_K && t != GGMLType.Q6_K && t != GGMLType.Q5_1 && t != GGMLType.Q5_0) continue;
                    checkRowOps(f.tensor(info.name()));
                    if (!seen.contains(t)) seen.add(t);
                }
            }
        }
        assertEquals(4, seen.size(), seen.toString());
    }

    @Test
    void q4_1HandBuiltBlocks() {
        Random rnd = new Random(3);
        int blocks = 8;
        byte[] bytes = new byte[blocks * 20];
        float[] expected = new float[blocks * 32];
        for (int b = 0; b < blocks; b++) {
            short d = Float.floatToFloat16(0.01f * (b + 1)), m = Float.floatToFloat16(-0.05f * b);
            put16(bytes, b * 20, d);
            put16(bytes, b * 20 + 2, m);
            for (int i = 0; i < 32; i++) {
                int q = rnd.nextInt(16);
                int at = b * 20 + 4 + (i & 15);
                bytes[at] |= (byte) (i < 16 ? q : q << 4);
                expected[b * 32 + i] = Float.float16ToFloat(d) * q + Float.float16ToFloat(m);
            }
        }
        Tensor t = Tensors.of("q4_1", GGMLType.Q4_1, 2, 128, MemorySegment.ofArray(bytes));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], t.get(i), "element " + i);
        checkRowOps(t);
    }

    @Test
    void q5_KHandBuiltBlocks() {
        Random rnd = new Random(5);
        int blocks = 2;
        byte[] bytes = new byte[blocks * 176];
        float[] expected = new float[blocks * 256];
        for (int b = 0; b < blocks; b++) {
            int o = b * 176;
            short d = Float.floatToFloat16(0.003f * (b + 1)), dmin = Float.floatToFloat16(0.002f);
            put16(bytes, o, d);
            put16(bytes, o + 2, dmin);
            int[] sc = new int[8], mn = new int[8];
            for (int j = 0; j < 8; j++) {
                sc[j] = rnd.nextInt(64);
                mn[j] = rnd.nextInt(64);
            }
            // ggml's 12-byte packing: sub-blocks 0..3 in the low 6 bits of bytes 0..3 (scales) and 4..7 (mins);
            // sub-blocks 4..7: low nibbles in bytes 8..11 (scale low, min high), top 2 bits in bytes 0..7's high bits
            for (int j = 0; j < 4; j++) {
                bytes[o + 4 + j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
                bytes[o + 8 + j] = (byte) (mn[j] | (mn[j + 4] >> 4) << 6);
                bytes[o + 12 + j] = (byte) ((sc[j + 4] & 0xF) | (mn[j + 4] & 0xF) << 4);
            }
            for (int p = 0; p < 256; p++) {
                int q = rnd.nextInt(32);
                int chunk = p / 64, r = p % 64, sub = p / 32, l = r % 32;
                int qsAt = o + 48 + 32 * chunk + l;
                bytes[qsAt] |= (byte) (r < 32 ? q & 0xF : (q & 0xF) << 4);
                if (q >= 16) bytes[o + 16 + l] |= (byte) (1 << sub);
                expected[b * 256 + p] = Float.float16ToFloat(d) * sc[sub] * q - Float.float16ToFloat(dmin) * mn[sub];
            }
        }
        Tensor t = Tensors.of("q5_k", GGMLType.Q5_K, 1, 512, MemorySegment.ofArray(bytes));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], t.get(i), 1e-6f * Math.max(1, Math.abs(expected[i])), "element " + i);
        checkRowOps(t);
    }

    /** dequantizeRow, dot and axpyRow against the scalar get. */
    private static void checkRowOps(Tensor t) {
        int cols = t.cols();
        Random rnd = new Random(cols);
        float[] xv = new float[cols];
        for (int i = 0; i < cols; i++) xv[i] = (float) rnd.nextGaussian();
        ActivationVector x = ActivationVector.of(xv);
        boolean q8Activations = switch (t.type()) {
            case Q4_1, Q5_0, Q5_1 -> true;
            default -> false;
        };
        float[] xUsed = new float[cols];
        for (int i = 0; i < cols; i++) xUsed[i] = q8Activations ? x.q8()[i] * x.q8Scales()[i / 32] : xv[i];
        float[] row = new float[cols + 3];
        long step = Math.max(1, t.rows() / 7);
        for (long r = 0; r < t.rows(); r += step) {
            t.dequantizeRow(r, row, 3);
            double ref = 0, mag = 0;
            for (int c = 0; c < cols; c++) {
                float g = t.get(r * cols + c);
                assertEquals(g, row[3 + c], Math.abs(g) * 1e-6f, t.name() + " row " + r + " col " + c);
                ref += (double) g * xUsed[c];
                mag += Math.abs((double) g * xUsed[c]);
            }
            float dot = t.dot(r, x);
            assertTrue(Math.abs(dot - ref) <= 1e-5 * mag + 1e-6, t.name() + " row " + r + ": dot " + dot + " vs " + ref);
            int from = (int) (r % 37), to = cols - (int) (r % 53);
            float[] y = new float[cols];
            for (int c = 0; c < cols; c++) y[c] = c;
            t.axpyRow(r, 0.5f, y, from, to);
            for (int c = 0; c < cols; c++) {
                float want = c >= from && c < to ? c + 0.5f * t.get(r * cols + c) : c;
                assertEquals(want, y[c], 1e-5f * Math.max(1, Math.abs(want)), t.name() + " axpy row " + r + " col " + c);
            }
        }
    }

    private static void put16(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }
}
