package dev.bamboo.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bamboo.weights.BambooException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code -f FILE}: read as llama.cpp reads it, and a clear error for what cannot be a prompt. */
class PromptFileTest {
    @TempDir Path tmp;

    private Path file(byte[] bytes) throws IOException {
        return Files.write(tmp.resolve("prompt.txt"), bytes);
    }

    @Test
    void theFinalLineBreakIsNotPartOfThePrompt() throws IOException {
        assertEquals("Once upon a time", PromptOptions.text(null, file("Once upon a time\n".getBytes(StandardCharsets.UTF_8))));
        assertEquals("Two lines\nhere", PromptOptions.text(null, file("Two lines\nhere\r\n".getBytes(StandardCharsets.UTF_8))));
        assertEquals("Ends in a blank line\n", PromptOptions.text(null, file("Ends in a blank line\n\n".getBytes(StandardCharsets.UTF_8))));
        assertEquals("no break", PromptOptions.text(null, file("no break".getBytes(StandardCharsets.UTF_8))));
        assertEquals("日本語 ✓", PromptOptions.text(null, file("日本語 ✓\n".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aFileThatIsNotUtf8IsRefusedWithTheFix() throws IOException {
        Path latin1 = file("caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        BambooException e = assertThrows(BambooException.class, () -> PromptOptions.text(null, latin1));
        assertTrue(e.getMessage().contains("not UTF-8") && e.getMessage().contains("convert"), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        BambooException e = assertThrows(BambooException.class, () -> PromptOptions.text(null, tmp.resolve("nope.txt")));
        assertTrue(e.getMessage().contains("nope.txt") && e.getMessage().contains("no such"), e.getMessage());
    }

    /** A file far larger than any context is refused unread (a sparse file: it takes no disk). */
    @Test
    void aFileFarLargerThanAnyContextIsRefusedUnread() throws IOException {
        Path big = tmp.resolve("big.txt");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(PromptOptions.MAX_PROMPT_FILE + 1L);
        }
        BambooException e = assertThrows(BambooException.class, () -> PromptOptions.text(null, big));
        assertTrue(e.getMessage().contains("holds more than 64 MiB, far more text than any context holds"), e.getMessage());
    }
}
