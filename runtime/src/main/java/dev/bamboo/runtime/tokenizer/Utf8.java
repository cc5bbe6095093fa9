package dev.bamboo.runtime.tokenizer;

import java.nio.charset.StandardCharsets;

/** Strict UTF-8 scanning with SentencePiece's rules (no overlong forms, no surrogates, nothing above U+10FFFF). */
final class Utf8 {
    /** The bytes at the position can never start a valid character: one byte becomes U+FFFD. */
    static final int INVALID = -1;
    /** The bytes so far are the valid beginning of a character; more bytes are needed. */
    static final int INCOMPLETE = 0;

    private Utf8() {
    }

    static byte[] encode(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Length of the valid character at {@code off} (1..4), or {@link #INVALID}, or {@link #INCOMPLETE}. */
    static int scan(byte[] b, int off, int avail) {
        int b0 = b[off] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int need;
        int min;
        if ((b0 & 0xE0) == 0xC0) {
            need = 2;
            min = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            need = 3;
            min = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            need = 4;
            min = 0x10000;
        } else {
            return INVALID;
        }
        for (int i = 1; i < Math.min(need, avail); i++) {
            if ((b[off + i] & 0xC0) != 0x80) {
                return INVALID;
            }
        }
        if (avail < need) {
            return INCOMPLETE;
        }
        int cp = b0 & (0x7F >> need);
        for (int i = 1; i < need; i++) {
            cp = (cp << 6) | (b[off + i] & 0x3F);
        }
        boolean valid = cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp >= 0xE000);
        return valid ? need : INVALID;
    }
}
