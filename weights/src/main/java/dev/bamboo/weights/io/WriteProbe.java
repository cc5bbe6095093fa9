package dev.bamboo.weights.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this process may make files in a folder, found out by making one and deleting it: permission bits do not
 * tell (root passes them, {@code /proc} refuses files to root, a read-only mount refuses everyone), and a command that
 * writes only after long work (training, a forward pass, gigabytes of weights) should learn it before starting.
 */
public final class WriteProbe {
    private WriteProbe() {}

    /** Empty when a file could be made (and was deleted again) in {@code folder}; else why not. */
    public static Optional<String> cannotMakeFilesIn(Path folder) {
        Path probe = folder.resolve(".bamboo-write-check-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createFile(probe);
        } catch (IOException e) {
            return Optional.of(IoErrors.reason(e));
        }
        try {
            Files.delete(probe);
        } catch (IOException ignored) {
            // made, so the folder is writable; a probe that cannot be deleted is harmless and hidden
        }
        return Optional.empty();
    }
}
