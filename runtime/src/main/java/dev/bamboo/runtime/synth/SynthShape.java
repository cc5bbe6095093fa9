package dev.bamboo.runtime.synth;

import dev.bamboo.weights.BambooException;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The dimensions of a real model (or a small stand-in) that {@code bamboo synth} fills with random weights.
 *
 * @param architecture GGUF {@code general.architecture}: {@code bamboo} (dReLU) or {@code llama}
 * @param activation   what the FFN computes; it decides which file formats can express the model
 */
public record SynthShape(String name, String architecture, Activation activation, int hidden, int ffn, int layers,
                         int heads, int kvHeads, int vocab, int contextLength, SynthFormat defaultFormat) {

    public enum Activation { DRELU, REGLU, SWIGLU }

    public static final List<SynthShape> ALL = List.of(
            new SynthShape("bamboo-7b", "bamboo", Activation.DRELU, 4096, 14336, 32, 32, 8, 32000, 4096, SynthFormat.POWERINFER),
            new SynthShape("mistral-7b", "llama", Activation.SWIGLU, 4096, 14336, 32, 32, 8, 32000, 32768, SynthFormat.GGUF),
            new SynthShape("relullama-7b", "llama", Activation.REGLU, 4096, 11008, 32, 32, 32, 32000, 4096, SynthFormat.POWERINFER),
            new SynthShape("bamboo-1b", "bamboo", Activation.DRELU, 2048, 5632, 16, 16, 4, 32000, 4096, SynthFormat.POWERINFER),
            new SynthShape("tiny", "bamboo", Activation.DRELU, 256, 1024, 4, 4, 2, 1024, 2048, SynthFormat.POWERINFER));

    public static SynthShape named(String name) {
        for (SynthShape s : ALL) if (s.name.equalsIgnoreCase(name.trim())) return s;
        throw new BambooException("unknown shape '" + name + "'; use one of " + names());
    }

    public static String names() {
        return ALL.stream().map(SynthShape::name).collect(Collectors.joining(", "));
    }

    /** The predictor rank when none is given: 1024, or hidden/4 for narrow shapes. */
    public int defaultRank() {
        return hidden >= 1024 ? 1024 : hidden / 4;
    }

    public int headDim() {
        return hidden / heads;
    }

    public int qDim() {
        return heads * headDim();
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /** The same shape with another layer count (quick runs and tests). */
    public SynthShape withLayers(int n) {
        if (n < 1 || n > 10_000) throw new BambooException("--layers " + n + " is out of range: use 1 or more");
        return new SynthShape(name, architecture, activation, hidden, ffn, n, heads, kvHeads, vocab, contextLength, defaultFormat);
    }

    /** Why this shape cannot be written in {@code format}, or null when it can. */
    String formatProblem(SynthFormat format) {
        if (format == SynthFormat.POWERINFER && activation == Activation.SWIGLU) {
            return name + " is a SwiGLU model: a PowerInfer " + architecture + " file would be read as ReGLU; use --format gguf";
        }
        if (format == SynthFormat.GGUF && activation == Activation.REGLU) {
            return name + " is a ReGLU model: a dense GGUF " + architecture + " file has no activation key and would be read as SwiGLU; use --format powerinfer";
        }
        return null;
    }
}
