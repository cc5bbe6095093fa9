package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.synth.SynthFormat;
import dev.bamboo.runtime.synth.SynthOptions;
import dev.bamboo.runtime.synth.SynthShape;
import dev.bamboo.runtime.synth.Synthesizer;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.tensor.GGMLType;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;

/** A small PowerInfer file with predictors (Bamboo's dReLU unless asked), written by {@code bamboo synth} for the engine tests. */
final class SmallPowerInferFile {
    private SmallPowerInferFile() {}

    /** Writes {@code dir/name.gguf} (2 layers, 4/2 heads, vocabulary 1024) and opens it. */
    static LoadedModel open(Path dir, String name, GGMLType type, int hidden, int ffn, int rank, long seed) {
        return open(dir, name, SynthShape.Activation.DRELU, type, hidden, ffn, rank, seed);
    }

    /** {@link #open} with another FFN: ReGLU makes a {@code llama} PowerInfer file, as ReluLLaMA's. */
    static LoadedModel open(Path dir, String name, SynthShape.Activation activation, GGMLType type, int hidden, int ffn, int rank, long seed) {
        return open(dir, name, activation, type, hidden, ffn, rank, seed, 256);
    }

    /** {@link #open} for a model whose context is {@code contextLength} positions. */
    static LoadedModel open(Path dir, String name, SynthShape.Activation activation, GGMLType type, int hidden, int ffn, int rank, long seed,
                            int contextLength) {
        String architecture = activation == SynthShape.Activation.DRELU ? "bamboo" : "llama";
        SynthShape shape = new SynthShape(name, architecture, activation, hidden, ffn, 2, 4, 2, 1024, contextLength, SynthFormat.POWERINFER);
        Path path = dir.resolve(name + ".gguf");
        Synthesizer.write(path, new SynthOptions(shape, type, SynthFormat.POWERINFER, rank, 0.2, seed, 2, 4), true,
                new PrintWriter(Writer.nullWriter()), line -> {});
        return ModelLoader.open(path);
    }
}
