package dev.bamboo.weights.io;

import dev.bamboo.weights.BambooException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A broken JSON file is reported in the user's words, where it breaks, without the parser's notes to its programmers. */
class JsonFilesTest {
    @TempDir Path dir;

    private String error(String text) throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), text);
        BambooException e = assertThrows(BambooException.class, () -> JsonFiles.readObject(file, "fix it"));
        String prefix = file + ": cannot read it as JSON (";
        return e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
    }

    @Test
    void messagesSayWhatAndWhere() throws IOException {
        assertEquals("Unexpected end-of-input within/between Object entries at line 2, column 1); fix it", error("{\"a\": 1,\n"));
        assertEquals("Unexpected end-of-input: expected close marker for Object at line 1, column 8); fix it", error("{\"a\": 1"));
        assertEquals("'NaN' is not a JSON value at line 1, column 25); fix it", error("{\"sparse_threshold\": NaN}"));
        assertEquals("more text follows the JSON value at line 1, column 10); fix it", error("{\"a\": 1} {}"));
        assertEquals("unexpected character ''' at line 1, column 2); fix it", error("{'a': 1}"));
    }
}
