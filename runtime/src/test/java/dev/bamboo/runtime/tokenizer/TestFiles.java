package dev.bamboo.runtime.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's test data from the module directory that tests run in. */
final class TestFiles {
    private TestFiles() {
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata"))) {
                return p;
            }
        }
        throw new IllegalStateException("no testdata directory above " + Path.of("").toAbsolutePath());
    }

    static Path testdata(String relative) {
        return repoRoot().resolve("testdata").resolve(relative);
    }
}
