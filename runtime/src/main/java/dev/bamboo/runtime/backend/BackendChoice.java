package dev.bamboo.runtime.backend;

import dev.bamboo.weights.BambooException;

import java.util.Locale;

/** {@code --backend}: where the forward pass runs. */
public enum BackendChoice {
    /** An accelerator through TornadoVM when one is present and works, else the CPU engine. */
    AUTO,
    /** The Vector API CPU engine. */
    CPU,
    /** TornadoVM (OpenCL / PTX / CUDA); an error when it is not available. */
    TORNADO;

    public static BackendChoice parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BambooException("--backend '" + s + "' is not a backend; use auto, cpu or tornado");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
