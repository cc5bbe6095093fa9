package dev.bamboo.weights.io;

import dev.bamboo.weights.BambooException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file that replaces what was at its path only once it is complete: it is written beside its target under a
 * temporary name and then moved over it. A failed or interrupted write leaves what was there and no partial file (the
 * temporary one is deleted on failure, on {@link #close} without {@link #write}, and when the JVM exits).
 *
 * <p>A symbolic link is written through: the file it names is replaced, and the link stays ({@link #throughLinks}).
 *
 * <p>{@link #create} opens the temporary file, so a caller that has long work to do before writing (a forward pass)
 * learns first whether it may write there at all.
 */
public final class ReplacedFile implements AutoCloseable {
    /** What goes into the file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Path path;
    private final Path target;
    private final Path partial;
    private OutputStream out;
    private boolean done;

    private ReplacedFile(Path path, Path target, Path partial, OutputStream out) {
        this.path = path;
        this.target = target;
        this.partial = partial;
        this.out = out;
    }

    /** Writes {@code body} to {@code path} at once. */
    public static void write(Path path, Body body) {
        try (ReplacedFile file = create(path)) {
            file.write(body);
        }
    }

    /**
     * Refuses, before any work, a path no file can be written to: an empty name, a folder, a folder that does not exist
     * or is a file, something there that is not a regular file (a device), a folder this process may not make files in
     * ({@link WriteProbe}). {@code named} is how messages name the path, such as {@code "-o out.gguf"}.
     */
    public static void checkTarget(Path path, String named) {
        if (path.toString().isBlank()) throw new BambooException(named.strip() + " is empty; give the name of the file to write"); // "-o " + ""
        Path target = throughLinks(path);
        if (target.getFileName() == null || Files.isDirectory(target)) {
            throw new BambooException(named + " is a folder; give the name of the file to write");
        }
        Path folder = target.getParent();
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new BambooException(named + ": " + folder + " is a file, not a folder; give a path in a folder");
        }
        if (!Files.isDirectory(folder)) {
            throw new BambooException(named + ": the folder " + folder + " does not exist; create it or write elsewhere");
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new BambooException(named + " is not a regular file; write to a file");
        }
        WriteProbe.cannotMakeFilesIn(folder).ifPresent(why -> {
            throw new BambooException(named + ": no file can be made in " + folder + " (" + why + "); write to a folder you may write to");
        });
    }

    /**
     * The file writing {@code path} replaces: through symbolic links to the file they name, as a shell's {@code >}
     * writes through them, so that a link stays a link (a link whose file does not exist yet names where the file goes).
     */
    static Path throughLinks(Path path) {
        Path target = path.toAbsolutePath();
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(target); hops++) {
            try {
                target = target.resolveSibling(Files.readSymbolicLink(target)).normalize(); // a relative link: from its folder
            } catch (IOException e) {
                break; // unreadable: the checks and the write report on the path itself
            }
        }
        return target;
    }

    /** Opens the temporary file beside {@code path}, after {@link #checkTarget}. */
    public static ReplacedFile create(Path path) {
        checkTarget(path, path.toString());
        Path target = throughLinks(path);
        // a name of its own (not createTempFile's, whose file only its owner may read): the file gets the usual permissions
        Path partial = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".partial");
        OutputStream opened;
        try {
            opened = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw failure(path, e);
        }
        partial.toFile().deleteOnExit();
        return new ReplacedFile(path, target, partial, opened);
    }

    /** Writes the whole file and moves it over the target; once per file. */
    public void write(Body body) {
        if (out == null) throw new IllegalStateException(path + " was already written");
        try {
            try (OutputStream buffered = new BufferedOutputStream(out, 1 << 16)) {
                out = null;
                body.writeTo(buffered);
            }
            try {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING); // a file system without atomic renames
            }
            done = true;
        } catch (IOException e) {
            throw failure(path, e);
        }
    }

    /** Deletes the temporary file unless {@link #write} moved it into place. */
    @Override
    public void close() {
        if (done) return;
        try {
            if (out != null) out.close();
        } catch (IOException ignored) {
            // the file goes anyway
        }
        out = null;
        try {
            Files.deleteIfExists(partial);
        } catch (IOException ignored) {
            // the original error is the one to report
        }
    }

    private static BambooException failure(Path path, IOException e) {
        boolean full = e.getMessage() != null && e.getMessage().contains("No space left");
        return new BambooException(path + ": cannot write it (" + IoErrors.reason(e) + "); "
                + (full ? "make room on the disk or write it elsewhere" : "write to a folder that exists and that you may write to"));
    }
}
