package dev.bamboo.weights.hf;

import dev.bamboo.weights.TestFiles;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class HFModelLoaderTest {

    /**
     * With {@code tie_word_embeddings} the output is the token embedding, as transformers ties it after loading, even
     * when the checkpoint also holds an {@code lm_head.weight} (tiny-bamboo's, which differs from its embedding).
     */
    @Test
    void tiedModelsUseTheEmbeddingEvenBesideAnLmHead(@TempDir Path dir) throws IOException {
        Path src = TestFiles.hfDir("tiny-bamboo");
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().endsWith(".safetensors") && !f.getFileName().toString().startsWith("reference")) {
                    Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toAbsolutePath());
                }
            }
        }
        String config = Files.readString(src.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true"));
        try (LoadedModel untied = ModelLoader.open(src); LoadedModel tied = ModelLoader.open(dir)) {
            assertNotSame(untied.weights().tokenEmbedding(), untied.weights().output());
            assertSame(tied.weights().tokenEmbedding(), tied.weights().output());
        }
    }
}
