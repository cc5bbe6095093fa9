package dev.bamboo.runtime.tokenizer;

import dev.bamboo.runtime.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** SentencePiece's BPE rules on small hand-made vocabularies, built through the GGUF-array factory. */
class BpeRulesTest {

    /** pieces[i] has type types[i]; NORMAL pieces score by their order so earlier pieces merge first. */
    private static Tokenizer tokenizer(String[] pieces, int[] types, boolean addSpacePrefix) {
        float[] scores = new float[pieces.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = -i;
        }
        return TokenizerLoader.fromGgufArrays("llama", pieces, scores, types, 1, 2, 0, null, addSpacePrefix);
    }

    private static final String[] BASE = {"<unk>", "<s>", "</s>", "\u2581", "a", "b", "<", ">", "s", "ab", "ba", "\u2581a"};
    private static final int[] BASE_TYPES = {2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};

    @Test
    void controlTokensAreNeverMadeFromText() {
        Tokenizer t = tokenizer(BASE, BASE_TYPES, false);
        assertArrayEquals(new int[] {6, 8, 7}, t.encode("<s>"));
    }

    @Test
    void higherScoreMergesFirst() {
        // "aba": "ab" (score -9) beats "ba" (-10), and "ab"+"a" is no piece.
        Tokenizer t = tokenizer(BASE, BASE_TYPES, false);
        assertArrayEquals(new int[] {9, 4}, t.encode("aba"));
        // "bab": the same rule picks "ab" on the right.
        assertArrayEquals(new int[] {5, 9}, t.encode("bab"));
    }

    @Test
    void equalScoresMergeLeftmostFirst() {
        String[] pieces = {"<unk>", "<s>", "</s>", "a", "aa"};
        Tokenizer t = tokenizer(pieces, new int[] {2, 3, 3, 1, 1}, false);
        assertArrayEquals(new int[] {4, 3}, t.encode("aaa"));
        assertArrayEquals(new int[] {4, 4, 3}, t.encode("aaaaa"));
    }

    @Test
    void unknownCharactersBecomeUnkWithoutBytePieces() {
        Tokenizer t = tokenizer(BASE, BASE_TYPES, true);
        // a run of them is one unknown token, as SentencePiece joins it
        assertArrayEquals(new int[] {11, 0}, t.encode("aéé"));
        assertArrayEquals(new int[] {11, 0, 11, 0}, t.encode("aé aé"));
        assertEquals("a \u2047  \u2047 ", t.decode(new int[] {11, 0, 0}));
    }

    @Test
    void userDefinedPiecesAreMatchedWholeAndNotMerged() {
        String[] pieces = {"<unk>", "<s>", "</s>", "\u2581", "a", "b", "<tool>", "\u2581a", "ab"};
        int[] types = {2, 3, 3, 1, 1, 1, 4, 1, 1};
        Tokenizer t = tokenizer(pieces, types, true);
        assertArrayEquals(new int[] {7, 6, 8}, t.encode("a<tool>ab"));
    }

    @Test
    void unusedPiecesAreSplitBackIntoTheirParts() {
        String[] pieces = {"<unk>", "<s>", "</s>", "a", "b", "ab", "c", "abc"};
        int[] types = {2, 3, 3, 1, 1, 5, 1, 1};
        Tokenizer t = tokenizer(pieces, types, false);
        assertArrayEquals(new int[] {3, 4}, t.encode("ab"));   // "ab" is UNUSED: emitted as "a" "b"
        assertArrayEquals(new int[] {7}, t.encode("abc"));     // but it may still be a step towards "abc"
    }

    @Test
    void longTextIsEncodedAndDecodedBack() {
        Tokenizer t = TokenizerLoader.fromDirectory(TestData.testdata("tiny-bamboo"));
        String text = "The quick brown fox jumps over the lazy dog, 12345 times! Ünïcödé 🙂\n".repeat(2000);
        int[] ids = t.encode(text);
        assertEquals(text, t.decode(ids));
    }
}
