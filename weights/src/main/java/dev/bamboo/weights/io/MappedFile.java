package dev.bamboo.weights.io;

import dev.bamboo.weights.BambooException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One read-only memory map of a whole file (any size, including over 2 GiB). Tensors are zero-copy slices of it;
 * mapping reads nothing, so opening a multi-GB model touches only the pages of its header.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    public static MappedFile open(Path path) {
        if (!Files.exists(path)) {
            throw new BambooException(path + ": file not found; check the path (-m takes a model file or a Hugging Face model directory)");
        }
        if (!Files.isRegularFile(path)) {
            throw new BambooException(path + (Files.isDirectory(path) ? " is a folder" : " is a device, pipe or socket")
                    + ", not a regular file; give the file itself (a pipe cannot be mapped: save what it holds to a file)");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new BambooException(path + ": file not found");
        } catch (IOException e) {
            arena.close();
            throw new BambooException(path + ": cannot read it (" + IoErrors.reason(e) + "); check that it is a readable file");
        }
    }

    public Path path() { return path; }

    public long size() { return segment.byteSize(); }

    public MemorySegment segment() { return segment; }

    /** The bytes {@code [offset, offset + length)}, or a one-line error naming the file and {@code what} if they lie outside it. */
    public MemorySegment slice(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > size() || length > size() - offset) {
            throw new BambooException(path.getFileName() + ": " + what + " lies outside the file (bytes " + offset + ".." + (offset + length)
                    + " of " + size() + "); the file is truncated or corrupt, download or convert it again");
        }
        return segment.asSlice(offset, length);
    }

    @Override
    public void close() {
        arena.close();
    }
}
