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

    /** A NaN score would order merges arbitrarily: refused, not tokenized differently without a word (GGUF arrays here). */
    @Test
    void aScoreThatIsNotANumberIsRejected() {
        String[] pieces = {"<unk>", "<s>", "</s>", "a", "b", "ab"};
        float[] scores = {0, 0, 0, -1, -2, Float.NaN};
        BambooException e = assertThrows(BambooException.class,
                () -> TokenizerLoader.fromGgufArrays("llama", pieces, scores, null, null, null, null, null, null));
        assertOneLine(e, "tokenizer piece 5 has a score that is not a number");
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

    /**
     * A field of the wrong type is corrupt, as the tokenizers library (serde) reads it: Jackson's lenient accessors read
     * {@code "byte_fallback": "yes"} as false, and byte pieces came out as text such as "&lt;0x50&gt;".
     */
    @Test
    void tokenizerJsonFieldsOfTheWrongTypeAreRejected() throws Exception {
        String real = Files.readString(TestData.testdata("tiny-relullama/tokenizer.json"));
        String[][] cases = {
                {"\"byte_fallback\": true", "\"byte_fallback\": \"yes\"", "model.byte_fallback is \"yes\", not true or false"},
                {"\"byte_fallback\": true", "\"byte_fallback\": true, \"unk_token\": 5", "model.unk_token is 5, not a string"},
                {"\"added_tokens\": [", "\"added_tokens\": 5, \"x\": [", "added_tokens is 5, not a list"},
        };
        for (String[] c : cases) {
            assertTrue(real.contains(c[0]), "the test file has " + c[0]);
            Files.writeString(dir.resolve("tokenizer.json"), real.replaceFirst(java.util.regex.Pattern.quote(c[0]), java.util.regex.Matcher.quoteReplacement(c[1])));
            assertOneLine(assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir)), c[2]);
        }
        // a vocabulary id given as a string
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(real);
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("model").get("vocab")).put("<s>", "1");
        Files.writeString(dir.resolve("tokenizer.json"), json.toString());
        assertOneLine(assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir)), "the id of vocabulary piece '<s>' is \"1\", not an integer");
        Files.writeString(dir.resolve("tokenizer.json"), real);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": \"x\"}");
        assertOneLine(assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir)), "add_bos_token is \"x\", not true or false");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true}{\"add_bos_token\": false}");
        assertOneLine(assertThrows(BambooException.class, () -> TokenizerLoader.fromDirectory(dir)), "cannot read it as JSON");
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
