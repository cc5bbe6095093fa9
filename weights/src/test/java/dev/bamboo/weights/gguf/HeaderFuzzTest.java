package dev.bamboo.weights.gguf;

import dev.bamboo.weights.TestFiles;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Corrupted headers (random byte flips, truncations, inserted bytes, huge numbers written over counts and lengths)
 * must either open (and then load and read without trouble) or fail with a one-line {@link BambooException};
 * never another exception, an out-of-memory error or a hang. Seeded, so a failure reproduces.
 */
class HeaderFuzzTest {
    private static final long[] LARGE = {
            1L << 60, -1L, 0xFFFF_FFFFL, Long.MAX_VALUE, Integer.MAX_VALUE, 1L << 32, 1L << 31, 0x7FFF_FFFF_FFFFL, 0, 1, 5, 13, 30, 255};

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void corruptedGGUFHeadersFailCleanly(@TempDir Path dir) throws IOException {
        int[] outcomes = new int[2];
        Path small = dir.resolve("small.gguf");
        writeSmallModel(small);
        fuzzFile(small, 2500, 1, dir, outcomes);
        // real files too (fewer cases: writing them is what takes the time)
        fuzzFile(TestFiles.gguf("tiny-relullama.q4_0.powerinfer.gguf"), 300, 2, dir, outcomes);
        fuzzFile(TestFiles.gguf("tiny-mistral.q4_0.dense.gguf"), 300, 3, dir, outcomes);
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes occur: " + Arrays.toString(outcomes));
    }

    private static void fuzzFile(Path path, int cases, long seed, Path dir, int[] outcomes) throws IOException {
        byte[] original = Files.readAllBytes(path);
        int headerEnd;
        try (GGUFFile f = GGUFFile.open(path)) {
            exercise(f); // the unmutated file works
            headerEnd = (int) f.dataStart();
        }
        fuzz(original, headerEnd, cases, seed, dir.resolve("fuzz.gguf"), p -> {
            try (GGUFFile f = GGUFFile.open(p)) {
                exercise(f);
            }
        }, outcomes);
    }

    /** A complete one-layer PowerInfer llama model of a few kB, with every kind of metadata value. */
    private static void writeSmallModel(Path out) {
        writeSmallModel(out, 64);
    }

    /** {@link #writeSmallModel(Path)} whose predictor's {@code fc2} has {@code predictorFfn} rows (64 fits the model). */
    private static void writeSmallModel(Path out, int predictorFfn) {
        int hidden = 32, ffn = 64, vocab = 16, rank = 32;
        GGUFWriter w = GGUFWriter.powerInfer();
        w.put("general.architecture", GGUFValue.ofString("llama"));
        w.put("llama.context_length", GGUFValue.ofUInt32(64));
        w.put("llama.embedding_length", GGUFValue.ofUInt32(hidden));
        w.put("llama.feed_forward_length", GGUFValue.ofUInt32(ffn));
        w.put("llama.block_count", GGUFValue.ofUInt32(1));
        w.put("llama.attention.head_count", GGUFValue.ofUInt32(2));
        w.put("llama.attention.head_count_kv", GGUFValue.ofUInt32(1));
        w.put("llama.attention.layer_norm_rms_epsilon", GGUFValue.ofFloat32(1e-5f));
        w.put("powerinfer.sparse_threshold", GGUFValue.ofFloat32(0f));
        w.put("t.u8", new GGUFValue(GGUFValueType.UINT8, 7));
        w.put("t.i16", new GGUFValue(GGUFValueType.INT16, -7));
        w.put("t.u64", new GGUFValue(GGUFValueType.UINT64, 1L << 40));
        w.put("t.f64", new GGUFValue(GGUFValueType.FLOAT64, 0.5));
        w.put("t.bool", GGUFValue.ofBool(true));
        w.put("t.nested", GGUFValue.ofArray(GGUFValueType.ARRAY, java.util.List.of(new GGUFArray(GGUFValueType.INT8, java.util.List.of(1, -1)))));
        java.util.List<String> tokens = new java.util.ArrayList<>();
        java.util.List<Float> scores = new java.util.ArrayList<>();
        java.util.List<Integer> types = new java.util.ArrayList<>();
        for (int i = 0; i < vocab; i++) {
            tokens.add("t" + i);
            scores.add((float) -i);
            types.add(1);
        }
        w.put("tokenizer.ggml.tokens", GGUFValue.ofArray(GGUFValueType.STRING, tokens));
        w.put("tokenizer.ggml.scores", GGUFValue.ofArray(GGUFValueType.FLOAT32, scores));
        w.put("tokenizer.ggml.token_type", GGUFValue.ofArray(GGUFValueType.INT32, types));
        TensorData data = TensorData.rows((r, dst) -> {
            for (int i = 0; i < dst.length; i++) dst[i] = (float) Math.sin(r * 31 + i);
        });
        w.tensor("token_embd.weight", dev.bamboo.weights.tensor.GGMLType.Q8_0, new long[]{hidden, vocab}, data);
        w.tensor("output_norm.weight", dev.bamboo.weights.tensor.GGMLType.F32, new long[]{hidden}, data);
        w.tensor("output.weight", dev.bamboo.weights.tensor.GGMLType.Q5_0, new long[]{hidden, vocab}, data);
        w.tensor("blk.0.attn_norm.weight", dev.bamboo.weights.tensor.GGMLType.F32, new long[]{hidden}, data);
        w.tensor("blk.0.attn_q.weight", dev.bamboo.weights.tensor.GGMLType.F16, new long[]{hidden, hidden}, data);
        w.tensor("blk.0.attn_k.weight", dev.bamboo.weights.tensor.GGMLType.BF16, new long[]{hidden, 16}, data);
        w.tensor("blk.0.attn_v.weight", dev.bamboo.weights.tensor.GGMLType.Q4_0, new long[]{hidden, 16}, data);
        w.tensor("blk.0.attn_output.weight", dev.bamboo.weights.tensor.GGMLType.Q8_0, new long[]{hidden, hidden}, data);
        w.tensor("blk.0.ffn_norm.weight", dev.bamboo.weights.tensor.GGMLType.F32, new long[]{hidden}, data);
        w.tensor("blk.0.ffn_gate.weight", dev.bamboo.weights.tensor.GGMLType.Q4_0, new long[]{hidden, ffn}, data);
        w.tensor("blk.0.ffn_up.weight", dev.bamboo.weights.tensor.GGMLType.Q4_0, new long[]{hidden, ffn}, data);
        w.tensor("blk.0.ffn_down_t.weight", dev.bamboo.weights.tensor.GGMLType.Q4_0, new long[]{hidden, ffn}, data);
        w.tensor("blk.0.fc1.weight", dev.bamboo.weights.tensor.GGMLType.Q4_0, new long[]{hidden, rank}, data);
        w.tensor("blk.0.fc2.weight", dev.bamboo.weights.tensor.GGMLType.Q4_0, new long[]{rank, predictorFfn}, data);
        w.write(out);
    }

    @Test
    void anotherModelsPredictorIsNamedWithTheFix(@TempDir Path dir) {
        Path file = dir.resolve("mismatch.gguf");
        writeSmallModel(file, 128);
        try (GGUFFile f = GGUFFile.open(file)) {
            BambooException e = org.junit.jupiter.api.Assertions.assertThrows(BambooException.class, () -> GGUFModelLoader.load(f));
            assertTrue(e.getMessage().contains("predictor tensor blk.0.fc2.weight has shape [32, 128]")
                    && e.getMessage().contains("expected [32, 64]") && e.getMessage().contains("convert the model again"), e.getMessage());
        }
        Path fits = dir.resolve("fits.gguf");
        writeSmallModel(fits, 64);
        try (GGUFFile f = GGUFFile.open(fits)) {
            assertTrue(GGUFModelLoader.load(f).predictor().isPresent());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void corruptedSafetensorsHeadersFailCleanly(@TempDir Path dir) throws IOException {
        Path src = TestFiles.root().resolve("testdata/tiny-relullama/predictor/model_0.safetensors");
        byte[] original = Files.readAllBytes(src);
        long headerLen = java.nio.ByteBuffer.wrap(original, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        int[] outcomes = new int[2];
        fuzz(original, (int) (8 + headerLen), 1000, 7, dir.resolve("fuzz.safetensors"), p -> {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (String t : f.entries().keySet()) {
                    var e = f.entry(t);
                    if (e.dtype().tensorType() == null) continue;
                    Tensor tensor = f.tensor(t);
                    if (tensor.size() > 0) {
                        tensor.get(0);
                        tensor.get(tensor.size() - 1);
                    }
                }
            }
        }, outcomes);
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes occur: " + Arrays.toString(outcomes));
    }

    /** What a runtime does with an opened file: metadata, model loading, a value of every tensor. */
    private static void exercise(GGUFFile f) {
        f.metadata().asMap().keySet().forEach(k -> f.metadata().get(k));
        f.metadata().stringArray("tokenizer.ggml.tokens");
        f.metadata().floatArray("tokenizer.ggml.scores");
        f.metadata().intArray("tokenizer.ggml.token_type");
        for (GGUFTensorInfo info : f.tensorInfos()) {
            Tensor t = f.tensor(info.name());
            t.get(0);
            t.get(t.size() - 1);
        }
        GGUFModelLoader.load(f);
    }

    private static void fuzz(byte[] original, int headerEnd, int cases, long seed, Path file, Consumer<Path> open, int[] outcomes) throws IOException {
        Random rnd = new Random(seed);
        for (int i = 0; i < cases; i++) {
            byte[] mutated = mutate(original, headerEnd, rnd);
            Files.write(file, mutated);
            try {
                open.accept(file);
                outcomes[0]++;
            } catch (BambooException e) {
                outcomes[1]++;
                String m = e.getMessage();
                if (m == null || m.isBlank() || m.contains("\n")) fail("case " + i + " (seed " + seed + "): message is not one line: " + m);
            } catch (Throwable t) {
                AssertionError err = new AssertionError("case " + i + " (seed " + seed + "): " + t + " instead of a BambooException");
                err.initCause(t);
                throw err;
            }
        }
    }

    private static byte[] mutate(byte[] original, int headerEnd, Random rnd) {
        byte[] b = original.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> { // flip random bits
                int n = 1 + rnd.nextInt(8);
                for (int k = 0; k < n; k++) b[rnd.nextInt(headerEnd)] ^= (byte) (1 << rnd.nextInt(8));
            }
            case 1 -> { // truncate anywhere, mostly inside the header
                int at = rnd.nextBoolean() ? rnd.nextInt(headerEnd) : rnd.nextInt(original.length);
                b = Arrays.copyOf(original, at);
            }
            case 2 -> { // a large number over 8 bytes (a count, a length, a dimension, an offset)
                long v = LARGE[rnd.nextInt(LARGE.length)];
                if (rnd.nextInt(4) == 0) v = rnd.nextLong();
                int at = rnd.nextInt(Math.max(1, headerEnd - 8));
                for (int k = 0; k < 8; k++) b[at + k] = (byte) (v >>> (8 * k));
            }
            case 3 -> { // a large number over 4 bytes (a type id, n_dims, a version)
                int v = (int) LARGE[rnd.nextInt(LARGE.length)];
                int at = rnd.nextInt(Math.max(1, headerEnd - 4));
                for (int k = 0; k < 4; k++) b[at + k] = (byte) (v >>> (8 * k));
            }
            default -> { // insert or delete a few bytes inside the header, shifting the rest
                int at = rnd.nextInt(headerEnd);
                int n = 1 + rnd.nextInt(8);
                if (rnd.nextBoolean()) {
                    byte[] ins = new byte[n];
                    rnd.nextBytes(ins);
                    b = new byte[original.length + n];
                    System.arraycopy(original, 0, b, 0, at);
                    System.arraycopy(ins, 0, b, at, n);
                    System.arraycopy(original, at, b, at + n, original.length - at);
                } else {
                    n = Math.min(n, original.length - at);
                    b = new byte[original.length - n];
                    System.arraycopy(original, 0, b, 0, at);
                    System.arraycopy(original, at + n, b, at, original.length - at - n);
                }
            }
        }
        return b;
    }
}
