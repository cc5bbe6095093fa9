package dev.bamboo.runtime.tokenizer;

import dev.bamboo.runtime.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final Tokenizer tokenizer = TokenizerLoader.fromDirectory(TestData.testdata("tiny-bamboo"));

    private int byteId(int b) {
        return tokenizer.vocabulary().byteId(b);
    }

    private List<String> stream(int... ids) {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(decoder.feed(id));
        }
        chunks.add(decoder.finish());
        return chunks;
    }

    @Test
    void emojiSplitOverByteTokensComesOutOnceWhole() {
        int[] ids = tokenizer.encode("emoji 🙂🚀 done");
        List<String> chunks = stream(ids);
        assertEquals("emoji 🙂🚀 done", String.join("", chunks));
        assertTrue(chunks.contains("🙂"), "chunks " + chunks);
        assertTrue(chunks.contains("🚀"), "chunks " + chunks);
        for (String chunk : chunks) {
            assertTrue(chunk.codePoints().noneMatch(cp -> cp == 0xFFFD), "broken character in " + chunks);
        }
    }

    /**
     * Text that byte pieces formed ends the start of the text: the dummy prefix of a later piece is a space then, as in
     * SentencePiece's decode (and Hugging Face's, which strips one leading space of the whole text). A reply that opens
     * with an emoji keeps the space after it.
     */
    @Test
    void textFromBytesEndsTheStart() {
        int spaceA = tokenizer.pieceId("\u2581a");
        assertEquals("A a", tokenizer.decode(new int[] {byteId(0x41), spaceA}));
        assertEquals("\uD83D\uDE42 a", tokenizer.decode(new int[] {byteId(0xF0), byteId(0x9F), byteId(0x99), byteId(0x82), spaceA}));
        assertEquals(List.of("", "", "", "\uD83D\uDE42", " a", ""), stream(byteId(0xF0), byteId(0x9F), byteId(0x99), byteId(0x82), spaceA));
        // an incomplete character that the piece cuts short shows U+FFFD first, so the piece keeps its space
        assertEquals("\uFFFD a", tokenizer.decode(new int[] {byteId(0xE2), spaceA}));
        assertEquals("a", tokenizer.decode(new int[] {spaceA}));
    }

    @Test
    void eachByteOfAMultiByteCharacterWaitsForTheRest() {
        // U+20AC EURO SIGN is E2 82 AC in UTF-8.
        assertEquals(List.of("", "", "€", ""), stream(byteId(0xE2), byteId(0x82), byteId(0xAC)));
        // 😀 (F0 9F 98 80) followed by a normal piece.
        int a = tokenizer.pieceId("a");
        assertEquals(List.of("", "", "", "😀", "a", ""),
                stream(byteId(0xF0), byteId(0x9F), byteId(0x98), byteId(0x80), a));
    }

    @Test
    void incompleteOrInvalidBytesBecomeReplacementCharactersLikeSentencePiece() {
        int a = tokenizer.pieceId("a");
        // A lead byte cut short by a normal piece: one U+FFFD per byte, then the piece.
        assertEquals("\uFFFD\uFFFDa", tokenizer.decode(new int[] {byteId(0xE2), byteId(0x82), a}));
        // A stray continuation byte is invalid at once; a lead byte waits, and is invalid once a non-continuation byte follows.
        assertEquals(List.of("\uFFFD", "", "\uFFFDA", ""), stream(byteId(0x80), byteId(0xC3), byteId(0x41)));
        // Cut short at the end of the stream.
        assertEquals(List.of("", "\uFFFD"), stream(byteId(0xF0)));
        // Overlong and surrogate forms are invalid, byte by byte.
        assertEquals("\uFFFD\uFFFD", tokenizer.decode(new int[] {byteId(0xC0), byteId(0x80)}));
        assertEquals("\uFFFD\uFFFD\uFFFD", tokenizer.decode(new int[] {byteId(0xED), byteId(0xA0), byteId(0x80)}));
    }

    @Test
    void idsPastTheTokenizerShowNothing() {
        // a model's padded vocabulary rows: no text, and no end to the stream (a character in progress stays whole)
        int a = tokenizer.pieceId("a"), past = tokenizer.vocabSize() + 5;
        assertEquals(List.of("a", "", "", "", "€", ""), stream(a, past, byteId(0xE2), byteId(0x82), byteId(0xAC)));
    }

    @Test
    void streamingEqualsDecodeOnEveryReferenceCase() throws Exception {
        for (SentencePieceCases.Case c : SentencePieceCases.read(TestData.testdata("tokenizer/spm_a.cases.json")).cases()) {
            assertEquals(c.decoded(), String.join("", stream(c.ids())), c.toString());
        }
    }

    @Test
    void controlTokensAreInvisibleAndDoNotEndTheDummyPrefix() {
        int[] hello = tokenizer.encode("Hello");
        int[] withBos = new int[hello.length + 2];
        withBos[0] = tokenizer.bos();
        System.arraycopy(hello, 0, withBos, 1, hello.length);
        withBos[withBos.length - 1] = tokenizer.eos();
        assertEquals("Hello", tokenizer.decode(withBos));
        assertEquals(" \u2047 ", tokenizer.decode(new int[] {tokenizer.unk()}));
    }
}
