package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;

/**
 * Builds the errors of this package. Messages quote names read from the file (keys, tensor names), which a corrupt
 * file can fill with line breaks or megabytes of text; they are escaped and shortened so every message stays one
 * readable line.
 */
final class GGUFErrors {
    private static final int MAX_LENGTH = 600;

    private GGUFErrors() {}

    static BambooException error(String message) {
        return new BambooException(oneLine(message));
    }

    static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_LENGTH) + 16);
        for (int i = 0; i < s.length(); i++) {
            if (sb.length() >= MAX_LENGTH) {
                sb.append("…");
                break;
            }
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
