package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.MessageText;

/**
 * Builds the errors of this package. Messages quote names read from the file (keys, tensor names), which a corrupt
 * file can fill with line breaks or megabytes of text; they are escaped and shortened so every message stays one
 * readable line.
 */
final class GGUFErrors {
    private static final int MAX_LENGTH = 600;

    private GGUFErrors() {}

    static BambooException error(String message) {
        return new BambooException(MessageText.shortened(message, MAX_LENGTH));
    }
}
