package dev.bamboo.runtime.cli;

import dev.bamboo.weights.BambooException;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the bundled demo model is: {@code $BAMBOO_HOME/models/bamboo-demo}, else next to the CLI jar's project. */
final class DefaultModel {
    static final String RELATIVE = "models/bamboo-demo";

    private DefaultModel() {}

    static Path locate() {
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
