package dev.bamboo.runtime.tokenizer;

import java.util.Locale;

/** The byte fallback's pieces {@code <0x00>} … {@code <0xFF>}: the one place that reads and writes their form. */
public final class BytePiece {
    private BytePiece() {}

    /** The piece of byte {@code b} (0..255) as SentencePiece writes it, upper-case hex. */
    public static String of(int b) {
        return String.format(Locale.ROOT, "<0x%02X>", b);
    }

    /** The byte a {@code <0xAB>} piece stands for (ASCII hex digits of either case), or -1 for any other piece. */
    static int parse(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        int hi = hexDigit(piece.charAt(3)), lo = hexDigit(piece.charAt(4));
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
}
