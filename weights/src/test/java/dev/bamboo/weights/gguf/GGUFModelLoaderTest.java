package dev.bamboo.weights.gguf;

import dev.bamboo.weights.TestFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.RopeLayout;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import dev.bamboo.weights.tensor.GGMLType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every test GGUF file loads into a configuration that agrees with the model's Hugging Face config.json. */
class GGUFModelLoaderTest {

    @TestFactory
    Stream<DynamicTest> everyFileLoadsWithTheModelsConfiguration() {
        return TestFiles.allGGUF().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    private static void check(Path path) throws IOException {
        String model = TestFiles.modelOf(path);
        Path hfDir = TestFiles.hfDir(model);
        JsonNode hf = new ObjectMapper().readTree(hfDir.resolve("config.json").toFile());
        try (GGUFFile f = GGUFFile.open(path)) {
            boolean pwri = path.getFileName().toString().contains(".powerinfer.");
            assertEquals(pwri, f.isPowerInfer());
            assertEquals(pwri ? "PWRI" : "GGUF", f.magic());
            assertEquals(3, f.version());
            ModelWeights w = GGUFModelLoader.load(f);
            ModelConfig c = w.config();
            String expectedArch = switch (model) {
                case "tiny-bamboo", "bamboo-demo" -> "bamboo";
                default -> "llama"; // tiny-mistral is written as llama, without its window
            };
            assertEquals(expectedArch, c.architecture());
            assertEquals(hf.get("hidden_size").asInt(), c.hiddenSize());
            assertEquals(hf.get("intermediate_size").asInt(), c.intermediateSize());
            assertEquals(hf.get("num_hidden_layers").asInt(), c.layers());
            assertEquals(hf.get("num_attention_heads").asInt(), c.heads());
            assertEquals(hf.get("num_key_value_heads").asInt(), c.kvHeads());
            assertEquals(hf.get("head_dim").asInt(), c.headDim());
            assertEquals(hf.get("vocab_size").asInt(), c.vocabSize());
            assertEquals(hf.get("max_position_embeddings").asInt(), c.contextLength());
            assertEquals((float) hf.get("rms_norm_eps").asDouble(), c.rmsNormEps());
            assertEquals((float) hf.get("rope_parameters").get("rope_theta").asDouble(), c.ropeTheta());
            assertEquals(hf.get("bos_token_id").asInt(), c.bosToken());
            assertEquals(hf.get("eos_token_id").asInt(), c.eosToken());
            assertEquals(RopeLayout.ADJACENT_PAIRS, c.ropeLayout());
            assertEquals(0, c.slidingWindow());
            assertFalse(c.tiedEmbeddings()); // every converter here writes output.weight
            FfnKind expectedFfn = expectedArch.equals("bamboo") ? new FfnKind.DReLU() : pwri ? new FfnKind.ReGLU() : new FfnKind.SwiGLU();
            assertEquals(expectedFfn, c.ffn());

            assertEquals(c.layers(), w.layers().size());
            for (var layer : w.layers()) {
                if (pwri) {
                    assertNull(layer.ffnDown());
                    assertEquals(c.intermediateSize(), layer.ffnDownT().rows());
                } else {
                    assertNull(layer.ffnDownT());
                    assertEquals(c.hiddenSize(), layer.ffnDown().rows());
                }
            }
            assertEquals(pwri, w.predictor().isPresent());
            if (pwri) {
                var pred = w.predictor().get();
                assertEquals(0f, pred.threshold());
                assertEquals(f.fileName(), pred.source());
                assertTrue(f.metadata().floatValue(GGUFModelLoader.SPARSE_THRESHOLD_KEY).isPresent());
                boolean padded = !(path.toString().contains(".f16.") || path.toString().contains(".f32."));
                for (int i = 0; i < c.layers(); i++) {
                    PredictorLayer pl = pred.layers().get(i);
                    int hfRank;
                    try (SafetensorsFile st = SafetensorsFile.open(hfDir.resolve("predictor/model_" + i + ".safetensors"))) {
                        hfRank = (int) st.entry("fc1.weight").shape()[0];
                    }
                    int expectedRank = padded ? (hfRank + 31) / 32 * 32 : hfRank;
                    assertEquals(expectedRank, pl.rank(), "layer " + i + " rank");
                    assertEquals(c.hiddenSize(), pl.fc1().cols());
                    assertEquals(c.intermediateSize(), pl.fc2().rows());
                    assertEquals(expectedRank, pl.fc2().cols());
                }
            }
            // tokenizer arrays, as the runtime's tokenizer reads them
            GGUFMetadata md = f.metadata();
            assertEquals("llama", md.requiredString("tokenizer.ggml.model"));
            assertEquals(c.vocabSize(), md.requiredStringArray("tokenizer.ggml.tokens").size());
            assertEquals(c.vocabSize(), md.requiredFloatArray("tokenizer.ggml.scores").length);
            assertEquals(c.vocabSize(), md.requiredIntArray("tokenizer.ggml.token_type").length);
            assertEquals("<s>", md.requiredStringArray("tokenizer.ggml.tokens").get(1));
            assertEquals(model, md.requiredString("general.name"));
        }
    }

    @Test
    void specialTensorTypesAreReadWhereTheReadmeSaysTheyAre() {
        try (GGUFFile f = GGUFFile.open(TestFiles.gguf("bamboo-demo.q4_0.powerinfer.gguf"))) {
            assertEquals(GGMLType.Q6_K, GGUFModelLoader.load(f).output().type());
        }
        try (GGUFFile f = GGUFFile.open(TestFiles.gguf("bamboo-demo.q8_0.powerinfer.gguf"))) {
            var p = GGUFModelLoader.load(f).predictor().orElseThrow();
            assertEquals(GGMLType.Q5_0, p.layers().get(0).fc1().type());
            assertEquals(GGMLType.Q5_0, p.layers().get(0).fc2().type());
        }
        try (GGUFFile f = GGUFFile.open(TestFiles.gguf("bamboo-demo.q4_k_m.dense.gguf"))) {
            ModelWeights w = GGUFModelLoader.load(f);
            assertEquals(GGMLType.Q4_K, w.tokenEmbedding().type());
            assertEquals(GGMLType.Q6_K, w.layers().get(2).ffnDown().type());
            assertEquals(GGMLType.Q6_K, w.layers().get(5).wv().type());
            assertEquals(GGMLType.Q4_K, w.layers().get(0).wq().type());
        }
    }

    @Test
    void withoutOutputWeightTheEmbeddingIsTied(@TempDir Path dir) {
        Path out = dir.resolve("tied.gguf");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-bamboo.f32.dense.gguf"))) {
            GGUFCopies.copy(src, out, name -> !name.equals("output.weight"), null);
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            ModelWeights w = GGUFModelLoader.load(f);
            assertTrue(w.config().tiedEmbeddings());
            assertSame(w.tokenEmbedding(), w.output());
        }
    }

    @Test
    void plainGGUFLlamaIsSwiGLUButPowerInferLlamaIsReGLU(@TempDir Path dir) {
        Path out = dir.resolve("relullama-as-gguf.gguf");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-relullama.f32.powerinfer.gguf"))) {
            GGUFCopies.copy(src, out, name -> true, w -> {}, "GGUF");
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            assertFalse(f.isPowerInfer());
            assertInstanceOf(FfnKind.SwiGLU.class, GGUFModelLoader.config(f).ffn());
        }
    }

    @Test
    void wrongShapeNamesTensorExpectedAndFound(@TempDir Path dir) {
        Path out = dir.resolve("bad-shape.gguf");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-bamboo.f32.dense.gguf"))) {
            // blk.1.attn_q stored with 64 rows instead of 128 (the data of attn_k)
            GGUFCopies.copy(src, out, name -> true, null, "GGUF", "blk.1.attn_q.weight", "blk.1.attn_k.weight");
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            BambooException e = assertThrows(BambooException.class, () -> GGUFModelLoader.load(f));
            assertTrue(e.getMessage().contains("blk.1.attn_q.weight") && e.getMessage().contains("[128, 64]") && e.getMessage().contains("expected [128, 128]"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void aThresholdThatIsNoNumberIsRefused(@TempDir Path dir) {
        Path out = dir.resolve("nan-threshold.gguf");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-relullama.f32.powerinfer.gguf"))) {
            GGUFCopies.copy(src, out, name -> true, w -> w.put(GGUFModelLoader.SPARSE_THRESHOLD_KEY, GGUFValue.ofFloat32(Float.NaN)), "PWRI");
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            BambooException e = assertThrows(BambooException.class, () -> GGUFModelLoader.load(f));
            assertTrue(e.getMessage().startsWith("nan-threshold.gguf: powerinfer.sparse_threshold is NaN"), e.getMessage());
        }
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes(@TempDir Path dir) {
        Path out = dir.resolve("gpt2.gguf");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-mistral.q4_0.dense.gguf"))) {
            GGUFCopies.copy(src, out, name -> true, w -> w.put("general.architecture", GGUFValue.ofString("gpt2")));
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            BambooException e = assertThrows(BambooException.class, () -> GGUFModelLoader.load(f));
            assertTrue(e.getMessage().contains("gpt2") && e.getMessage().contains("llama, mistral, bamboo"), e.getMessage());
        }
    }

    /** The error of loading a copy of tiny-bamboo's f32 file, its tensors filtered by {@code keep} and its metadata edited. */
    private static BambooException loadError(Path dir, Predicate<String> keep, Consumer<GGUFWriter> edit) {
        Path out = dir.resolve("edited.gguf");
        try (GGUFFile src = GGUFFile.open(TestFiles.gguf("tiny-bamboo.f32.dense.gguf"))) {
            GGUFCopies.copy(src, out, keep, edit);
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            BambooException e = assertThrows(BambooException.class, () -> GGUFModelLoader.load(f));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            return e;
        }
    }

    @Test
    void settingsThatWouldRunTheModelWrongAreRefused(@TempDir Path dir) {
        // scaled or partial RoPE, a non-positive epsilon or base, an EOS outside the vocabulary
        assertTrue(loadError(dir, n -> true, w -> w.put("bamboo.rope.scaling.type", GGUFValue.ofString("linear"))
                .put("bamboo.rope.scaling.factor", GGUFValue.ofFloat32(4f))).getMessage().contains("RoPE scaling 'linear'"));
        // a factor without a type is linear scaling to llama.cpp, and so is the older rope.scale_linear
        assertTrue(loadError(dir, n -> true, w -> w.put("bamboo.rope.scaling.factor", GGUFValue.ofFloat32(4f)))
                .getMessage().contains("RoPE scaling 'linear'"));
        assertTrue(loadError(dir, n -> true, w -> w.put("bamboo.rope.scale_linear", GGUFValue.ofFloat32(2f)))
                .getMessage().contains("rope.scale_linear 2.0"));
        assertTrue(loadError(dir, n -> true, w -> w.put("bamboo.rope.dimension_count", GGUFValue.ofUInt32(16)))
                .getMessage().contains("rope.dimension_count 16 differs from the head dimension"));
        assertTrue(loadError(dir, n -> true, w -> w.put("bamboo.rope.freq_base", GGUFValue.ofFloat32(0f)))
                .getMessage().contains("must be positive numbers"));
        assertTrue(loadError(dir, n -> true, w -> w.put("tokenizer.ggml.eos_token_id", GGUFValue.ofUInt32(99999)))
                .getMessage().contains("tokenizer.ggml.eos_token_id 99999 is not a token id"));

        // a float key of an integer type: what a corrupt type byte makes of it (the float's bits read as an int)
        assertTrue(loadError(dir, n -> true, w -> w.put("bamboo.rope.freq_base", new GGUFValue(GGUFValueType.INT32, Float.floatToIntBits(10000f))))
                .getMessage().contains("rope.freq_base is INT32 where a float is expected"));
    }

    @Test
    void tensorsTheModelDoesNotUseAreRefused(@TempDir Path dir) {
        // a layer beyond block_count: the model would silently run without it
        BambooException e = loadError(dir, n -> true, w -> w.put("bamboo.block_count", GGUFValue.ofUInt32(1)));
        assertTrue(e.getMessage().contains("blk.1.") && e.getMessage().contains("does not use"), e.getMessage());
    }
}
