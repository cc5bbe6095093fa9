package dev.bamboo.runtime.synth;

import dev.bamboo.weights.BambooException;

import java.util.Locale;

/** {@code --format}: a PowerInfer file (magic PWRI, ffn_down_t, predictor fc1/fc2) or a dense GGUF. */
public enum SynthFormat {
    POWERINFER, GGUF;

    public static SynthFormat parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BambooException("--format '" + s + "' is not a format; use powerinfer or gguf");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
