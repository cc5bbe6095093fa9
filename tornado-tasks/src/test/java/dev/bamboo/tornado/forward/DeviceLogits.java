package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs models through the engine with {@code --backend tornado} (the ServiceLoader path the CLI takes). */
final class DeviceLogits {
    private DeviceLogits() {}

    static EngineOptions tornado(SparsityMode mode, int context) {
        return EngineOptions.defaults().withThreads(2).withSparsity(mode).withContextLength(context).withBackend(BackendChoice.TORNADO, -1);
    }

    /** Logits at every position of {@code ids}, flattened. */
    static float[] all(Model model, int[] ids, SparsityMode mode) {
        try (Engine engine = model.engine(tornado(mode, 64))) {
            assertEquals("tornado", engine.backend());
            float[][] all = engine.session().appendAllLogits(ids);
            int vocab = model.config().vocabSize();
            float[] flat = new float[ids.length * vocab];
            for (int t = 0; t < ids.length; t++) System.arraycopy(all[t], 0, flat, t * vocab, vocab);
            return flat;
        }
    }

    static double relL2(float[] a, float[] b) {
        assertEquals(b.length, a.length, "logit count");
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
