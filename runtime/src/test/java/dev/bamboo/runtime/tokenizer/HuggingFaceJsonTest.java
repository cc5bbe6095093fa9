package dev.bamboo.runtime.tokenizer;

import dev.bamboo.runtime.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

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

    @Test
    void directoryWithBothFilesPrefersTokenizerModel() {
        Tokenizer fromDir = TokenizerLoader.fromDirectory(TestData.testdata("tiny-relullama"));
        // Only SentencePiece keeps the dummy prefix before a leading space: "▁▁" is id 261 in this vocabulary.
        assertArrayEquals(new int[] {261}, fromDir.encode(" "));
    }
}
