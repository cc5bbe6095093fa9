package dev.bamboo.tornado;

import dev.bamboo.runtime.backend.AcceleratorBackend;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelWeights;

import java.util.List;
import java.util.Optional;

/**
 * The TornadoVM backend ({@code --backend tornado}), found by {@link java.util.ServiceLoader}. This class names no
 * TornadoVM type, so it loads in a JVM without TornadoVM's modules; everything that touches TornadoVM runs behind a
 * catch of {@link Throwable}, because TornadoVM initialises in static initialisers that throw
 * ({@link ExceptionInInitializerError}, {@link NoClassDefFoundError}) when its runtime or a device is missing.
 */
public final class TornadoBackend implements AcceleratorBackend {
    private Optional<String> unavailable;

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public synchronized Optional<String> unavailableReason() {
        if (unavailable == null) unavailable = probe();
        return unavailable;
    }

    private static Optional<String> probe() {
        if (System.getProperty("tornado.load.api.implementation") == null) {
            return Optional.of("this JVM was not started with TornadoVM's flags (@$TORNADOVM_HOME/tornado-argfile); run ./bamboo with TORNADOVM_HOME set");
        }
        try {
            return Probe.reason();
        } catch (Throwable e) {
            return Optional.of("TornadoVM failed to start: " + oneLine(e));
        }
    }

    @Override
    public List<String> devices() {
        if (unavailableReason().isPresent()) return List.of();
        try {
            return Probe.devices();
        } catch (Throwable e) {
            return List.of("TornadoVM failed to list its devices: " + oneLine(e));
        }
    }

    @Override
    public InferenceSession open(ModelWeights weights, EngineOptions options, SparsityMode sparsity, int device) {
        Optional<String> reason = unavailableReason();
        if (reason.isPresent()) throw new BambooException("--backend tornado is not available: " + reason.get() + "; use --backend cpu");
        return Probe.open(weights, options, sparsity, device);
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse("");
        return root.getClass().getSimpleName() + message;
    }

    /** The parts that touch TornadoVM's classes; only loaded once the JVM is known to carry them. */
    private static final class Probe {
        static Optional<String> reason() {
            return dev.bamboo.tornado.graph.TornadoAvailability.unavailableReason();
        }

        static List<String> devices() {
            return dev.bamboo.tornado.graph.TornadoDevices.all().stream().map(dev.bamboo.tornado.graph.TornadoDevices::describe).toList();
        }

        static InferenceSession open(ModelWeights weights, EngineOptions options, SparsityMode sparsity, int device) {
            var ffn = dev.bamboo.tornado.forward.FfnPlan.of(sparsity, weights);
            float threshold = ffn == dev.bamboo.tornado.forward.FfnPlan.PREDICTED
                    ? (float) options.sparseThreshold().orElse(weights.predictor().orElseThrow().threshold())
                    : 0f;
            if (!Float.isFinite(threshold)) throw new BambooException("predictor threshold " + threshold + " is not a finite number; pass a number such as 0");
            return new dev.bamboo.tornado.forward.TornadoSession(weights, ffn, threshold, options.contextLength(),
                    dev.bamboo.tornado.forward.DeviceTuning.defaults(), dev.bamboo.tornado.graph.TornadoDevices.pick(device));
        }
    }
}
