package dev.bamboo.runtime.tokenizer;

/**
 * SentencePiece's identity normalization: optional removal of extra spaces, the dummy prefix, and spaces replaced by
 * U+2581. Only the ASCII space is a space here (tabs and newlines stay as they are), as in SentencePiece.
 *
 * @param dummyPrefix            when to put a U+2581 in front of non-empty text
 * @param removeExtraWhitespaces drop leading and trailing spaces and collapse runs of spaces
 * @param escapeWhitespaces      replace spaces by U+2581
 */
public record TextNormalizer(DummyPrefix dummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces) {

    public static final char SPACE_SYMBOL = '\u2581';

    /** Where the dummy prefix goes. */
    public enum DummyPrefix {
        /** No prefix. */
        NONE,
        /** SentencePiece's add_dummy_prefix: always, even before text that starts with a space. */
        ALWAYS,
        /** Hugging Face's Metaspace pre-tokenizer (prepend_scheme always/first): only if the text does not already start with U+2581. */
        UNLESS_LEADING_SPACE
    }

    public String normalize(String text) {
        String input = text;
        if (removeExtraWhitespaces) {
            int i = 0;
            while (i < input.length() && input.charAt(i) == ' ') {
                i++;
            }
            input = input.substring(i);
        }
        if (input.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(input.length() + 1);
        char space = escapeWhitespaces ? SPACE_SYMBOL : ' ';
        if (dummyPrefix == DummyPrefix.ALWAYS) {
            out.append(space);
        }
        boolean prevSpace = removeExtraWhitespaces;
        for (int i = 0; i < input.length(); i++) {
            char c = input.charAt(i);
            if (Character.isSurrogate(c)) {
                // A lone surrogate is not valid text; SentencePiece maps malformed input to U+FFFD.
                boolean pair = Character.isHighSurrogate(c) && i + 1 < input.length()
                        && Character.isLowSurrogate(input.charAt(i + 1));
                if (pair) {
                    out.append(c).append(input.charAt(++i));
                } else {
                    out.append('\uFFFD');
                }
                prevSpace = false;
                continue;
            }
            if (c == ' ') {
                if (!prevSpace) {
                    out.append(space);
                }
                prevSpace = removeExtraWhitespaces;
            } else {
                out.append(c);
                prevSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            int end = out.length();
            while (end > 0 && out.charAt(end - 1) == space) {
                end--;
            }
            out.setLength(end);
        }
        if (dummyPrefix == DummyPrefix.UNLESS_LEADING_SPACE && !out.isEmpty() && out.charAt(0) != SPACE_SYMBOL) {
            out.insert(0, SPACE_SYMBOL);
        }
        return out.toString();
    }
}
