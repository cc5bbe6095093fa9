package dev.bamboo.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns ids into text one at a time, as SentencePiece's decode would for the whole sequence: control pieces are
 * invisible, U+2581 becomes a space, the dummy-prefix space of the first visible piece is dropped, and runs of byte
 * pieces are read as UTF-8 (an invalid byte becomes U+FFFD). A character whose bytes arrive in several byte pieces comes
 * out once it is whole, so the concatenation of all chunks (and {@link #finish()}) equals {@link Tokenizer#decode}.
 * Not thread-safe; one per generation stream.
 */
public final class StreamingDecoder {
    private static final String UNKNOWN_SURFACE = " \u2047 ";

    private final Vocabulary vocabulary;
    private final boolean stripDummyPrefix;
    private final boolean stripAllLeadingSpaces;
    private boolean atStart = true;
    private byte[] pending = new byte[8];
    private int pendingLength;

    /**
     * @param stripDummyPrefix      drop the U+2581 that starts the first visible piece (add_dummy_prefix)
     * @param stripAllLeadingSpaces keep dropping it from following pieces while nothing was shown (remove_extra_whitespaces)
     */
    StreamingDecoder(Vocabulary vocabulary, boolean stripDummyPrefix, boolean stripAllLeadingSpaces) {
        this.vocabulary = vocabulary;
        this.stripDummyPrefix = stripDummyPrefix || stripAllLeadingSpaces;
        this.stripAllLeadingSpaces = stripAllLeadingSpaces;
    }

    /**
     * Feeds one id; returns the text that became complete (often empty for byte pieces). An id past the tokenizer's
     * pieces shows nothing, as in Hugging Face's decode: a model's vocabulary may be padded beyond its tokenizer's
     * (rows no text maps to), and sampling one of them must not end the generation.
     */
    public String feed(int id) {
        if (id >= vocabulary.size()) return "";
        TokenType type = vocabulary.type(id);
        if (type == TokenType.BYTE) {
            int b = Vocabulary.parseBytePiece(id, vocabulary.piece(id));
            if (pendingLength == pending.length) {
                pending = Arrays.copyOf(pending, pendingLength * 2);
            }
            pending[pendingLength++] = (byte) b;
            return shown(drainBytes(false));
        }
        StringBuilder out = new StringBuilder(shown(drainBytes(true)));
        out.append(surface(id, type));
        return out.toString();
    }

    /**
     * Text from byte pieces ends the start as any shown text does (SentencePiece 0.1.97 checks the decoded text so far),
     * so the {@code ▁} of a piece after an emoji is a space: "🙂 a", not "🙂a".
     */
    private String shown(String text) {
        if (!text.isEmpty()) atStart = false;
        return text;
    }

    /** Returns what is left at the end of the sequence: bytes that never formed a character, as U+FFFD each. */
    public String finish() {
        return drainBytes(true);
    }

    private String surface(int id, TokenType type) {
        if (type == TokenType.CONTROL) {
            return "";
        }
        if (type == TokenType.UNKNOWN) {
            atStart = false;
            return UNKNOWN_SURFACE;
        }
        String piece = vocabulary.piece(id);
        boolean consumedPrefix = false;
        if (atStart && stripDummyPrefix && !piece.isEmpty() && piece.charAt(0) == TextNormalizer.SPACE_SYMBOL) {
            piece = piece.substring(1);
            consumedPrefix = !stripAllLeadingSpaces;
        }
        String text = piece.replace(TextNormalizer.SPACE_SYMBOL, ' ');
        // Like SentencePiece, only a piece that shows something (or gave up its prefix) ends the start; bytes do once
        // they form text (see shown)
        if (consumedPrefix || !text.isEmpty()) {
            atStart = false;
        }
        return text;
    }

    /** Decodes complete characters from the pending bytes; with {@code all}, the incomplete tail too (as U+FFFD per byte). */
    private String drainBytes(boolean all) {
        if (pendingLength == 0) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int off = 0;
        while (off < pendingLength) {
            int n = Utf8.scan(pending, off, pendingLength - off);
            if (n == Utf8.INCOMPLETE && !all) {
                break;
            }
            if (n > 0) {
                out.append(new String(pending, off, n, StandardCharsets.UTF_8));
                off += n;
            } else {
                out.append('\uFFFD');
                off++;
            }
        }
        System.arraycopy(pending, off, pending, 0, pendingLength - off);
        pendingLength -= off;
        return out.toString();
    }
}
