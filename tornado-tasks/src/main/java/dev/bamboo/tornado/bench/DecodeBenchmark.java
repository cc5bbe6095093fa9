package dev.bamboo.tornado.bench;

import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.BambooException;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Decode throughput of the TornadoVM backend: loads a model once, then per sparsity mode opens a device session
 * ("open s": weights converted to kernel form), runs a short prompt ("1st token s": kernels compiled, weights
 * uploaded) and times greedy decoding with
 * the logits downloaded every token, as generation does. One table row per mode.
 *
 * <pre>java @argfile -cp bamboo.jar:bamboo-tornado-tasks.jar dev.bamboo.tornado.bench.DecodeBenchmark MODEL TOKENS [MODES]</pre>
 * MODES: comma-separated dense, exact, predicted (default: all three). Device: TornadoVM's first.
 */
public final class DecodeBenchmark {
    private DecodeBenchmark() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: DecodeBenchmark MODEL TOKENS [dense,exact,predicted]");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        int tokens = Integer.parseInt(args[1]);
        String[] modes = (args.length > 2 ? args[2] : "dense,exact,predicted").split(",");
        long t0 = System.nanoTime();
        try (Model model = Model.load(path)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%-40s %-10s %8s %10s %12s %10s%n", "model", "mode", "load s", "open s", "1st token s", "decode t/s");
            for (String m : modes) {
                SparsityMode mode = SparsityMode.valueOf(m.trim().toUpperCase(Locale.ROOT));
                try {
                    row(model, path, mode, tokens, loadS);
                } catch (BambooException e) {
                    System.out.printf(Locale.ROOT, "%-40s %-10s skipped: %s%n", path.getFileName(), m, e.getMessage());
                }
            }
        }
    }

    private static void row(Model model, Path path, SparsityMode mode, int tokens, double loadS) {
        EngineOptions options = EngineOptions.defaults().withSparsity(mode).withContextLength(tokens + 16).withBackend(BackendChoice.TORNADO, -1);
        long t0 = System.nanoTime();
        try (Engine engine = model.engine(options)) {
            double uploadS = (System.nanoTime() - t0) / 1e9;
            InferenceSession session = engine.session();
            int[] prompt = {model.config().bosToken(), 100, 200, 300};
            long t1 = System.nanoTime();
            float[] logits = session.append(prompt);
            double firstS = (System.nanoTime() - t1) / 1e9;
            int token = argmax(logits);
            long t2 = System.nanoTime();
            for (int i = 0; i < tokens; i++) token = argmax(session.append(token));
            double decode = tokens / ((System.nanoTime() - t2) / 1e9);
            System.out.printf(Locale.ROOT, "%-40s %-10s %8.1f %10.1f %12.1f %10.2f%n", path.getFileName(), mode.name().toLowerCase(Locale.ROOT),
                    loadS, uploadS, firstS, decode);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
