package dev.bamboo.weights.io;

/**
 * Text from files and command lines as it may appear in a one-line error message. Such text can hold line breaks,
 * terminal escapes or megabytes (a corrupt file's key, a tensor name, a JSON value): control characters are shown
 * escaped ({@code \n}, {@code \u001b}) rather than breaking the line or the terminal, and long text is cut.
 */
public final class MessageText {
    private MessageText() {}

    /** {@code text} with its control characters escaped, whole. */
    public static String oneLine(String text) {
        return shortened(text, Integer.MAX_VALUE);
    }

    /** {@code text} with its control characters escaped, cut with "…" after {@code max} characters. */
    public static String shortened(String text, int max) {
        if (text == null) return "";
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (sb.length() >= max) return sb.append('…').toString();
            char c = text.charAt(i);
            if (c == '\n') sb.append("\\n");
            else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
