package dev.bamboo.weights.io;

import dev.bamboo.weights.BambooException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The old file stays until the new one is complete; nothing half-written is left behind, whatever happens between. */
class ReplacedFileTest {
    @TempDir Path dir;

    private List<Path> files() throws IOException {
        try (var list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }

    @Test
    void aCompleteWriteReplacesTheFile() throws IOException {
        Path target = Files.writeString(dir.resolve("out.bin"), "old");
        ReplacedFile.write(target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
        assertEquals("new", Files.readString(target));
        assertEquals(List.of(target), files());
    }

    /** A caller that opens the file, then fails in its own work (a forward pass) before writing, leaves the old file. */
    @Test
    void closedWithoutWritingLeavesTheOldFileAndNoPartialOne() throws IOException {
        Path target = Files.writeString(dir.resolve("out.bin"), "old");
        try (ReplacedFile file = ReplacedFile.create(target)) {
            assertEquals(2, files().size(), "the temporary file is open beside the target");
        }
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), files());
    }

    /** As a shell's redirection: through a link (relative or dangling too) to the file it names; the link stays. */
    @Test
    void aSymbolicLinkIsWrittenThrough() throws IOException {
        Path real = Files.writeString(dir.resolve("real.bin"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), Path.of("real.bin"));
        ReplacedFile.write(link, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals("new", Files.readString(real));
        assertEquals(List.of(link, real), files());

        Path dangling = Files.createSymbolicLink(dir.resolve("later.bin"), dir.resolve("made-later.bin"));
        ReplacedFile.write(dangling, out -> out.write("made".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("made", Files.readString(dir.resolve("made-later.bin")));
    }

    @Test
    void aFailedWriteSaysWhyAndTheFix() throws IOException {
        Path target = Files.writeString(dir.resolve("out.bin"), "old");
        BambooException full = assertThrows(BambooException.class, () -> ReplacedFile.write(target, out -> {
            out.write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));
        assertTrue(full.getMessage().contains("make room on the disk or write it elsewhere"), full.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), files());
        BambooException missing = assertThrows(BambooException.class, () -> ReplacedFile.create(dir.resolve("no-such-folder/out.bin")));
        assertTrue(missing.getMessage().contains("no-such-folder does not exist; create it or write elsewhere"), missing.getMessage());
        BambooException folder = assertThrows(BambooException.class, () -> ReplacedFile.create(dir));
        assertTrue(folder.getMessage().contains("is a folder"), folder.getMessage());
    }
}
