package dev.bamboo.runtime.model;

import dev.bamboo.runtime.TestData;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.gguf.GGUFCopies;
import dev.bamboo.weights.gguf.GGUFFile;
import dev.bamboo.weights.gguf.GGUFValue;
import dev.bamboo.weights.gguf.GGUFValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A GGUF file's tokenizer and token_embd must agree in size: either way round, the file is named corrupt. */
class GgufTokenizerSizeTest {

    @Test
    void moreTokensThanEmbeddingRowsIsACorruptFile(@TempDir Path dir) {
        Path out = dir.resolve("longer-tokenizer.gguf");
        try (GGUFFile src = GGUFFile.open(TestData.gguf("tiny-mistral.f16.dense.gguf"))) {
            List<Object> tokens = new ArrayList<>(src.metadata().requiredStringArray("tokenizer.ggml.tokens"));
            tokens.add("<extra>");
            GGUFCopies.copy(src, out, name -> true, w -> {
                w.put("tokenizer.ggml.tokens", GGUFValue.ofArray(GGUFValueType.STRING, tokens));
                src.metadata().floatArray("tokenizer.ggml.scores").ifPresent(s -> {
                    List<Object> scores = new ArrayList<>();
                    for (float v : s) scores.add(v);
                    scores.add(0f);
                    w.put("tokenizer.ggml.scores", GGUFValue.ofArray(GGUFValueType.FLOAT32, scores));
                });
                src.metadata().intArray("tokenizer.ggml.token_type").ifPresent(t -> {
                    List<Object> types = new ArrayList<>();
                    for (int v : t) types.add(v);
                    types.add(1);
                    w.put("tokenizer.ggml.token_type", GGUFValue.ofArray(GGUFValueType.INT32, types));
                });
            });
        }
        BambooException e = assertThrows(BambooException.class, () -> Model.load(out).close());
        assertTrue(e.getMessage().contains("token_embd.weight has") && e.getMessage().contains("convert the model again"), e.getMessage());
    }
}
