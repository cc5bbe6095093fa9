package dev.bamboo.weights;

/**
 * A problem the user can fix: a bad file, an unsupported model, an out-of-range option.
 * The message is one line that names the problem and the fix; the CLI prints it without a stack trace
 * and exits with a non-zero code.
 */
public class BambooException extends RuntimeException {
    public BambooException(String message) {
        super(message);
    }

    public BambooException(String message, Throwable cause) {
        super(message, cause);
    }
}
