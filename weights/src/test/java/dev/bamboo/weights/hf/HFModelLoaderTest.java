package dev.bamboo.weights.hf;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.TestFiles;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HFModelLoaderTest {

    /**
     * With {@code tie_word_embeddings} and an {@code lm_head.weight} in the checkpoint that differs from the embedding
     * (tiny-bamboo's), the output is that lm_head, as transformers 5 loads it (it ties only equal tensors); without one,
     * the embedding.
     */
    @Test
    void aTiedConfigUsesAnLmHeadTheCheckpointHolds(@TempDir Path dir) throws IOException {
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
            assertNotSame(tied.weights().tokenEmbedding(), tied.weights().output());
            assertFalse(tied.weights().config().tiedEmbeddings(), "info says the output is separate");
            Tensor output = tied.weights().output(), expected = untied.weights().output();
            assertEquals(expected.size(), output.size());
            for (long i = 0; i < output.size(); i += 7) assertEquals(expected.get(i), output.get(i));
        }
        try (LoadedModel tiedOnly = ModelLoader.open(TestFiles.hfDir("tiny-relullama"))) {
            assertSame(tiedOnly.weights().tokenEmbedding(), tiedOnly.weights().output());
        }
    }

    /**
     * The declared shape counts, not only the number of values: a norm declared [h/2, 2] holds h values, but a file that
     * says so is not the model's.
     */
    @Test
    void aNormDeclaredAsAMatrixIsRefused(@TempDir Path dir) throws IOException {
        Path src = TestFiles.hfDir("tiny-bamboo");
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".json")) Files.copy(f, dir.resolve(name));
            }
        }
        Path weights = src.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        long headerLength = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(header);
        var norm = (com.fasterxml.jackson.databind.node.ObjectNode) json.get("model.norm.weight");
        long h = norm.get("shape").get(0).asLong();
        norm.putArray("shape").add(h / 2).add(2);
        byte[] newHeader = json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
            out.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(newHeader.length).array());
            out.write(newHeader);
            out.write(bytes, 8 + (int) headerLength, bytes.length - 8 - (int) headerLength);
        }
        dev.bamboo.weights.BambooException e = assertThrows(BambooException.class, () -> ModelLoader.open(dir).close());
        assertTrue(e.getMessage().contains("model.norm.weight has shape [" + h / 2 + ", 2], where a norm has one dimension"), e.getMessage());
    }

    /** A file the model needs that is there but is no file is named for what it is, not called missing. */
    @Test
    void aFolderWhereAFileBelongsIsNamed(@TempDir Path dir) throws IOException {
        Files.createDirectory(dir.resolve("config.json"));
        BambooException e = assertThrows(BambooException.class, () -> ModelLoader.open(dir));
        assertTrue(e.getMessage().contains("config.json is a folder"), e.getMessage());
        Path link = dir.resolveSibling(dir.getFileName() + "-loop");
        Files.createSymbolicLink(link, link);
        try {
            e = assertThrows(BambooException.class, () -> ModelLoader.open(link));
            assertTrue(e.getMessage().contains("is a symbolic link to nothing"), e.getMessage());
        } finally {
            Files.delete(link);
        }
    }
}
