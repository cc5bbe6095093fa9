package dev.bamboo.runtime.tokenizer;

import dev.bamboo.runtime.TestData;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bamboo.weights.BambooException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptTokenizerTest {
    @TempDir
    Path dir;

    private static void assertOneLine(BambooException e, String mustContain) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(mustContain), e.getMessage());
    }

    private BambooException loadModel(byte[] bytes) throws Exception {
        Files.write(dir.resolve("tokenizer.model"), bytes);
        return assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir));
    }

    @Test
    void truncatedModelIsRejected() throws Exception {
        byte[] good = Files.readAllBytes(TestData.testdata("tiny-bamboo/tokenizer.model"));
        for (int length : new int[] {1, 7, 100, good.length / 2, good.length - 3}) {
            assertOneLine(loadModel(Arrays.copyOf(good, length)), "tokenizer.model");
        }
        assertOneLine(loadModel(new byte[0]), "tokenizer.model");
    }

    @Test
    void garbageIsRejected() throws Exception {
        assertOneLine(loadModel("this is not a tokenizer\nat all\n".getBytes(StandardCharsets.UTF_8)), "tokenizer.model");
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[500 + random.nextInt(2000)];
            random.nextBytes(junk);
            assertOneLine(loadModel(junk), "tokenizer.model");
        }
    }

    @Test
    void missingTokenizerNamesTheDirectory() {
        BambooException e = assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir));
        assertOneLine(e, dir.toString());
    }

    @Test
    void brokenTokenizerJsonIsRejected() throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
        assertOneLine(assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir)), "tokenizer.json");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        assertOneLine(assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir)), "Unigram");
        // without its merges a BPE tokenizer would spell text out in single characters
        com.fasterxml.jackson.databind.node.ObjectNode real = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(TestData.testdata("tiny-relullama/tokenizer.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) real.get("model")).remove("merges");
        Files.writeString(dir.resolve("tokenizer.json"), real.toString());
        assertOneLine(assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir)), "merges is missing");
    }

    @Test
    void badGgufArraysAreRejected() {
        String[] tokens = {"<unk>", "<s>", "</s>", "a"};
        assertThrows(BambooException.class, () -> TokenizerLoader.fromGgufArrays("gpt2", tokens, null, null, 1, 2, 0, null, null));
        assertThrows(BambooException.class, () -> TokenizerLoader.fromGgufArrays("llama", tokens, null, new int[] {2, 3}, 1, 2, 0, null, null));
        assertThrows(BambooException.class, () -> TokenizerLoader.fromGgufArrays("llama", tokens, null, new int[] {2, 3, 3, 9}, 1, 2, 0, null, null));
        assertThrows(BambooException.class, () -> TokenizerLoader.fromGgufArrays("llama", tokens, null, null, 7, 2, 0, null, null));
    }
}
