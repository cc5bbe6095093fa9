package dev.bamboo.runtime.cli;

import dev.bamboo.weights.BambooException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Text given on the command line, checked for what the JVM's decoding of the command line may have lost. */
final class ArgumentText {
    private ArgumentText() {}

    /** The process's command line as the kernel holds it (Linux): the arguments' bytes before the JVM decoded them. */
    private static final Path RAW_COMMAND_LINE = Path.of("/proc/self/cmdline");

    /**
     * {@code text}, the value of {@code option}; a one-line error when the JVM replaced characters it could not read
     * (they are gone: tokenizing the replacements would give other ids without a word): in a non-UTF-8 locale, or in
     * a UTF-8 one when the bytes given were not UTF-8 (a Latin-1 "café" reaches Java as "caf\uFFFD", as -f's check
     * would have refused the same bytes in a file).
     */
    static String decoded(String option, String text) {
        if (text == null || text.indexOf('\uFFFD') < 0) return text;
        String encoding = System.getProperty("sun.jnu.encoding", "UTF-8");
        if (!encoding.equalsIgnoreCase("UTF-8")) {
            throw new BambooException(option + ": the text reached Java through the " + encoding + " locale and lost its non-ASCII characters; "
                    + "run in a UTF-8 locale (such as LANG=C.UTF-8)" + (option.equals("-p") ? " or give the text with -f FILE" : ""));
        }
        if (cameFromBytesThatAreNotUtf8(text)) {
            throw new BambooException(option + ": the text is not UTF-8 (bytes that are no UTF-8 character reached Java as U+FFFD); "
                    + "give it in UTF-8, e.g. converted with iconv");
        }
        return text; // a U+FFFD the user wrote
    }

    /** Whether an argument of this process holds {@code text} once decoded, but its bytes are not UTF-8. */
    private static boolean cameFromBytesThatAreNotUtf8(String text) {
        byte[] raw;
        try {
            if (!Files.isReadable(RAW_COMMAND_LINE)) return false;
            raw = Files.readAllBytes(RAW_COMMAND_LINE);
        } catch (IOException e) {
            return false; // no way to tell: keep the text
        }
        int start = 0;
        for (int i = 0; i <= raw.length; i++) {
            if (i < raw.length && raw[i] != 0) continue;
            byte[] arg = Arrays.copyOfRange(raw, start, i);
            if (new String(arg, StandardCharsets.UTF_8).contains(text) && !isUtf8(arg)) return true;
            start = i + 1;
        }
        return false;
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
