package dev.bamboo.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the project's test data for the tests of this module (they run with the module directory as working directory). */
public final class TestFiles {
    private TestFiles() {}

    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("no testdata directory above " + Path.of("").toAbsolutePath());
        return p;
    }

    public static Path gguf(String name) {
        return root().resolve("testdata/gguf").resolve(name);
    }

    /** Every GGUF file in testdata/gguf, sorted by name. */
    public static List<Path> allGGUF() {
        try (Stream<Path> s = Files.list(root().resolve("testdata/gguf"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model a GGUF file was converted from: the part of its name before the first dot. */
    public static String modelOf(Path gguf) {
        String n = gguf.getFileName().toString();
        return n.substring(0, n.indexOf('.'));
    }

    /** The Hugging Face directory of a model. */
    public static Path hfDir(String model) {
        Path root = root();
        return model.equals("bamboo-demo") ? root.resolve("models/bamboo-demo") : root.resolve("testdata").resolve(model);
    }
}
