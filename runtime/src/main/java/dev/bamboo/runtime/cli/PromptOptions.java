package dev.bamboo.runtime.cli;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.BoundedRead;
import dev.bamboo.weights.io.IoErrors;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@code -p TEXT} or {@code -f FILE}: the text of {@code generate} and {@code tokenize}, read the one way llama.cpp reads it. */
final class PromptOptions {
    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the prompt text")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the prompt from a file (UTF-8; its final line break dropped, as llama.cpp does)")
    Path file;

    /** Prompt files larger than this are refused unread: at a few bytes per token it is many times any model's context. */
    static final int MAX_PROMPT_FILE = 64 << 20;

    /** The text: {@code -p} as given, or {@code -f}'s file without its final line break. */
    String text() {
        return text(prompt, file);
    }

    static String text(String prompt, Path file) {
        if (prompt != null && file != null) throw new BambooException("give the prompt with -p or with -f, not both");
        if (file != null) {
            if (file.toString().isBlank()) throw new BambooException("-f is empty; give the path of a prompt file, or the prompt itself with -p");
            String text;
            try {
                text = BoundedRead.text(file, MAX_PROMPT_FILE);
            } catch (BoundedRead.TooLargeException e) {
                throw new BambooException(file + ": the prompt file holds more than " + BoundedRead.mib(e.limit())
                        + ", far more text than any context holds; give a shorter prompt");
            } catch (CharacterCodingException e) {
                throw new BambooException(file + ": the prompt file is not UTF-8 text; convert it to UTF-8 (e.g. with iconv)");
            } catch (NoSuchFileException e) {
                throw new BambooException(file + ": no such prompt file");
            } catch (IOException e) {
                throw new BambooException(file + ": cannot read the prompt file (" + IoErrors.reason(e) + "); check that it is a readable file");
            }
            // as llama.cpp reads -f: the file's final line break is not part of the prompt
            if (text.endsWith("\n")) text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
            return text;
        }
        if (prompt == null) throw new BambooException("no prompt: give one with -p TEXT or -f FILE");
        return ArgumentText.decoded("-p", prompt);
    }
}
