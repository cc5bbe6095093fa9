package dev.bamboo.weights.torch;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root (the folder holding {@code testdata}), found by walking up from the module directory. */
final class TestPaths {
    private TestPaths() {}

    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata"))) return p;
        }
        throw new IllegalStateException("no testdata folder above " + Path.of("").toAbsolutePath());
    }
}
