package dev.bamboo.runtime.chat;

/** Text operations as the Jinja chat templates that the built-in formats follow perform them (Python semantics). */
final class TemplateText {
    private TemplateText() {}

    /**
     * Python's {@code str.strip()}, which Jinja's {@code trim} and the templates' {@code .strip()} call: it also removes
     * the no-break spaces (U+00A0, U+2007, U+202F) and NEL (U+0085) that Java's {@link String#strip} keeps.
     */
    static String strip(String s) {
        int start = 0, end = s.length();
        while (start < end && isSpace(s.charAt(start))) start++;
        while (end > start && isSpace(s.charAt(end - 1))) end--;
        return s.substring(start, end);
    }

    /** Python's {@code str.isspace()} for one character: every Java whitespace character and the four above. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.getType(c) == Character.SPACE_SEPARATOR || c == '\u0085';
    }
}
