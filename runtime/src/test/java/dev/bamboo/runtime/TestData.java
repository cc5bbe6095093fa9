package dev.bamboo.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the project's test data (testdata/, models/) from any module directory. */
public final class TestData {
    private TestData() {}

    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    /** A Hugging Face model folder: {@code bamboo-demo} lives in models/, the tiny ones in testdata/. */
    public static Path model(String name) {
        return name.equals("bamboo-demo") ? root().resolve("models/bamboo-demo") : root().resolve("testdata").resolve(name);
    }

    public static Path gguf(String file) {
        return root().resolve("testdata/gguf").resolve(file);
    }

    /** Relative L2 error ‖a − b‖ / ‖b‖. */
    public static double relL2(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
