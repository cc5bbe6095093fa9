package dev.bamboo.runtime.backend;

import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.model.ModelWeights;

import java.util.List;
import java.util.Optional;

/**
 * A backend that runs the whole forward pass on an accelerator. Implementations are found with
 * {@link java.util.ServiceLoader} (the {@code tornado-tasks} module registers TornadoVM's), so the runtime never
 * depends on them at compile time.
 */
public interface AcceleratorBackend {

    /** Short name, as given to {@code --backend}. */
    String name();

    /**
     * Why this backend cannot run here (its runtime is missing, no device, initialisation failed), or empty when it
     * can. Must not throw: probing happens before the user asked for this backend explicitly.
     */
    Optional<String> unavailableReason();

    /** The devices it can use, one line each (for {@code bamboo devices}). */
    List<String> devices();

    /**
     * Uploads the weights and returns a session whose forward pass runs on the device.
     *
     * @param sparsity the resolved mode (never AUTO)
     * @param device   the device index of {@code --device}, or -1 for the backend's default
     */
    InferenceSession open(ModelWeights weights, EngineOptions options, SparsityMode sparsity, int device);
}
