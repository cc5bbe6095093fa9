package dev.bamboo.runtime.backend;

import dev.bamboo.weights.io.Choice;

/** {@code --backend}: where the forward pass runs. */
public enum BackendChoice implements Choice {
    /** An accelerator through TornadoVM when one is present and works, else the CPU engine. */
    AUTO,
    /** The Vector API CPU engine. */
    CPU,
    /** TornadoVM (OpenCL / PTX / CUDA); an error when it is not available. */
    TORNADO;

    public static BackendChoice parse(String s) {
        return Choice.parse(BackendChoice.class, "--backend", "a backend", s);
    }
}
