package dev.bamboo.runtime.cli;

import dev.bamboo.weights.BambooException;

/** Text given on the command line, checked for what the JVM's decoding of the command line may have lost. */
final class ArgumentText {
    private ArgumentText() {}

    /**
     * {@code text}, the value of {@code option}; a one-line error when the JVM decoded the command line in a non-UTF-8
     * locale and replaced characters it could not read (they are gone: tokenizing the replacements would give other
     * ids without a word).
     */
    static String decoded(String option, String text) {
        String encoding = System.getProperty("sun.jnu.encoding", "UTF-8");
        if (text != null && text.indexOf('\uFFFD') >= 0 && !encoding.equalsIgnoreCase("UTF-8")) {
            throw new BambooException(option + ": the text reached Java through the " + encoding + " locale and lost its non-ASCII characters; "
                    + "run in a UTF-8 locale (such as LANG=C.UTF-8)" + (option.equals("-p") ? " or give the text with -f FILE" : ""));
        }
        return text;
    }
}
