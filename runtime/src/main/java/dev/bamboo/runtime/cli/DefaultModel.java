package dev.bamboo.runtime.cli;

import dev.bamboo.weights.BambooException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model of a command given no {@code -m}: {@code $BAMBOO_MODEL}, else the bundled demo model, found at {@code
 * $BAMBOO_HOME/models/bamboo-demo}, else next to the CLI jar's project.
 */
final class DefaultModel {
    static final String RELATIVE = "models/bamboo-demo";

    private DefaultModel() {}

    static Path path() {
        return path(System.getenv("BAMBOO_MODEL"));
    }

    /** {@link #path()} given the value of $BAMBOO_MODEL ({@code null} when unset). */
    static Path path(String env) {
        if (env == null || env.isBlank()) return bundled();
        Path path = Path.of(env);
        // named here: the loader's error would print the path alone, and the user gave no -m to look for
        if (!Files.exists(path)) {
            throw new BambooException("BAMBOO_MODEL=" + env + ": no such file or directory; set BAMBOO_MODEL to a GGUF file or "
                    + "a Hugging Face model directory, unset it for the bundled demo model, or pass -m");
        }
        return path;
    }

    private static Path bundled() {
        String home = System.getenv("BAMBOO_HOME");
        if (home != null && Files.isDirectory(Path.of(home, RELATIVE))) return Path.of(home, RELATIVE);
        try {
            Path p = Path.of(DefaultModel.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            for (; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve(RELATIVE))) return p.resolve(RELATIVE);
            }
        } catch (Exception ignored) {
            // fall through to the message below
        }
        throw new BambooException("the bundled demo model (" + RELATIVE + ") was not found; pass a model with -m or set BAMBOO_HOME to the Bamboo folder");
    }
}
