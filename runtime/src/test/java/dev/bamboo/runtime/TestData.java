package dev.bamboo.runtime;

import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.TestFiles;

import java.nio.file.Path;

/** Locates the project's test data (testdata/, models/) from any module directory. */
public final class TestData {
    private TestData() {}

    public static Path root() {
        return TestFiles.root();
    }

    /** A file or folder under testdata/. */
    public static Path testdata(String relative) {
        return root().resolve("testdata").resolve(relative);
    }

    /** A Hugging Face model folder: {@code bamboo-demo} lives in models/, the tiny ones in testdata/. */
    public static Path model(String name) {
        return TestFiles.hfDir(name);
    }

    public static Path gguf(String file) {
        return TestFiles.gguf(file);
    }

    /** The logits at every position of {@code ids}, appended to {@code session}, flattened to {@code [ids.length × vocab]}. */
    public static float[] allLogits(InferenceSession session, int[] ids) {
        float[][] all = session.appendAllLogits(ids);
        int vocab = all[0].length;
        float[] flat = new float[ids.length * vocab];
        for (int t = 0; t < ids.length; t++) System.arraycopy(all[t], 0, flat, t * vocab, vocab);
        return flat;
    }

    /** Relative L2 error ‖a − b‖ / ‖b‖. */
    public static double relL2(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("rel. L2 of " + a.length + " against " + b.length + " values");
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
