package dev.bamboo.tornado.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root (the directory holding {@code testdata}), found from the working directory upwards. */
public final class Repo {
    private Repo() {}

    public static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata"))) return p;
        }
        throw new IllegalStateException("no testdata directory above " + Path.of("").toAbsolutePath());
    }

    /** A reference model folder: {@code models/<name>} or {@code testdata/<name>}. */
    public static Path model(String name) {
        Path models = root().resolve("models").resolve(name);
        return Files.isDirectory(models) ? models : root().resolve("testdata").resolve(name);
    }
}
