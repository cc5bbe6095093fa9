package dev.bamboo.runtime.tokenizer;

import dev.bamboo.runtime.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.weights.BambooException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tokenizer.json of tiny-relullama (the same vocabulary as its tokenizer.model) against SentencePiece's cases.
 *
 * <p>Hugging Face's conversion differs from SentencePiece for text that starts with a
 * space: its Metaspace pre-tokenizer (prepend_scheme "always") adds the U+2581 prefix only when the text does not already
 * start with one, whereas SentencePiece's add_dummy_prefix always adds it. So " x" becomes "▁x" (the ids SentencePiece
 * gives for "x") instead of "▁▁x", and " " becomes "▁" instead of "▁▁". In spm_a these are the 11 cases that start with a space (1, 2, 7, 31, 74, 118, 127,
 * 148, 156, 157, 159). Every other case, and the decoded text of every case, must equal SentencePiece.
 */
class HuggingFaceJsonTest {

    @Test
    void tokenizerJsonMatchesSentencePieceExceptForLeadingSpaces() throws Exception {
        Tokenizer json = TokenizerLoader.fromHuggingFaceJson(TestData.testdata("tiny-relullama/tokenizer.json"),
                "<s>", "</s>", true);
        Tokenizer spm = TokenizerLoader.fromSentencePieceModel(TestData.testdata("tiny-relullama/tokenizer.model"), true);
        SentencePieceCases cases = SentencePieceCases.read(TestData.testdata("tokenizer/spm_a.cases.json"));
        assertEquals(cases.vocabSize(), json.vocabSize());
        assertEquals(cases.bos(), json.bos());
        assertEquals(cases.eos(), json.eos());
        assertEquals(cases.unk(), json.unk());

        List<Integer> leadingSpace = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        for (SentencePieceCases.Case c : cases.cases()) {
            int[] ids = json.encode(c.text());
            int[] expected = c.ids();
            if (c.text().startsWith(" ")) {
                leadingSpace.add(c.index());
                String rest = c.text().substring(1);
                expected = rest.isEmpty() ? new int[] {spm.pieceId("\u2581")} : spm.encode(rest);
            }
            if (!Arrays.equals(ids, expected)) {
                mismatches.add(c + ": ids " + Arrays.toString(ids) + " expected " + Arrays.toString(expected));
            }
            if (!json.decode(c.ids()).equals(c.decoded())) {
                mismatches.add(c + ": decoded " + json.decode(c.ids()) + " expected " + c.decoded());
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
        assertEquals(List.of(1, 2, 7, 31, 74, 118, 127, 148, 156, 157, 159), leadingSpace);
    }

    /** Without byte fallback, fuse_unk makes a run of characters the vocabulary cannot spell one unknown token (as tokenizers 0.23 does). */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void fuseUnkJoinsARunOfUnknownCharacters(boolean fuse, @TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(TestData.testdata("tiny-relullama/tokenizer.json").toFile());
        ((ObjectNode) root.get("model")).put("byte_fallback", false).put("fuse_unk", fuse);
        Path edited = dir.resolve("tokenizer.json");
        json.writeValue(edited.toFile(), root);
        Tokenizer t = TokenizerLoader.fromHuggingFaceJson(edited, "<s>", "</s>", true);
        int[] ids = t.encode("a\u2460\u2461 b");
        assertEquals(fuse ? 1 : 2, Arrays.stream(ids).filter(id -> id == t.unk()).count(), Arrays.toString(ids));
    }

    /** Llama's older normalizer loads; a step Bamboo does not apply is refused rather than skipped. */
    @Test
    void normalizerStepsAreAppliedOrRefused(@TempDir Path dir) throws Exception {
        String prepend = "{\"type\":\"Prepend\",\"prepend\":\"%s\"}";
        String replace = "{\"type\":\"Replace\",\"pattern\":{\"String\":\"%s\"},\"content\":\"\u2581\"}";
        Tokenizer legacy = withNormalizer(dir, prepend.formatted("\u2581"), replace.formatted(" "));
        assertArrayEquals(TokenizerLoader.fromSentencePieceModel(TestData.testdata("tiny-relullama/tokenizer.model"), true).encode("Hello world"),
                legacy.encode("Hello world"));
        for (String[] steps : new String[][] {{prepend.formatted(" "), replace.formatted(" ")},
                {prepend.formatted("\u2581"), replace.formatted(" "), replace.formatted("\\t")}}) {
            BambooException e = assertThrows(BambooException.class, () -> withNormalizer(dir, steps));
            assertTrue(e.getMessage().contains("tokenizer.json: unsupported normalizer step"), e.getMessage());
        }
    }

    private static Tokenizer withNormalizer(Path dir, String... steps) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(TestData.testdata("tiny-relullama/tokenizer.json").toFile());
        root.set("normalizer", json.readTree("{\"type\":\"Sequence\",\"normalizers\":[" + String.join(",", steps) + "]}"));
        root.putNull("pre_tokenizer");
        Path edited = dir.resolve("tokenizer.json");
        json.writeValue(edited.toFile(), root);
        return TokenizerLoader.fromHuggingFaceJson(edited, "<s>", "</s>", true);
    }

    /**
     * Only the first piece's dummy-prefix space is dropped: a model may generate "▁" then "▁b", which no text encodes
     * to, and that is " b" (SentencePiece's and transformers' decode), in one call and streamed, for both readers.
     */
    @Test
    void onlyTheFirstLeadingSpaceIsTheDummyPrefix() throws Exception {
        Tokenizer json = TokenizerLoader.fromHuggingFaceJson(TestData.testdata("tiny-relullama/tokenizer.json"), "<s>", "</s>", true);
        Tokenizer spm = TokenizerLoader.fromSentencePieceModel(TestData.testdata("tiny-relullama/tokenizer.model"), true);
        for (Tokenizer t : new Tokenizer[] {json, spm}) {
            int[] ids = {t.pieceId("\u2581"), t.pieceId("\u2581b")};
            assertTrue(ids[0] >= 0 && ids[1] >= 0, "both pieces are in the vocabulary");
            assertEquals(" b", t.decode(ids));
            StreamingDecoder streamed = t.newStreamingDecoder();
            assertEquals(" b", streamed.feed(ids[0]) + streamed.feed(ids[1]) + streamed.finish());
        }
    }

    @Test
    void directoryWithBothFilesPrefersTokenizerModel() {
        Tokenizer fromDir = TokenizerLoader.fromDirectory(TestData.testdata("tiny-relullama"));
        // Only SentencePiece keeps the dummy prefix before a leading space: "▁▁" is id 261 in this vocabulary.
        assertArrayEquals(new int[] {261}, fromDir.encode(" "));
    }
}
