package dev.bamboo.runtime.synth;

import dev.bamboo.weights.io.Choice;

/** {@code --format}: a PowerInfer file (magic PWRI, ffn_down_t, predictor fc1/fc2) or a dense GGUF. */
public enum SynthFormat implements Choice {
    POWERINFER, GGUF;

    public static SynthFormat parse(String s) {
        return Choice.parse(SynthFormat.class, "--format", "a format", s);
    }
}
