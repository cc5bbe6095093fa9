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

/** A small Bamboo (dReLU) PowerInfer file with predictors, written by {@code bamboo synth} for the engine tests. */
final class SmallPowerInferFile {
    private SmallPowerInferFile() {}

    /** Writes {@code dir/name.gguf} (2 layers, 4/2 heads, vocabulary 1024) and opens it. */
    static LoadedModel open(Path dir, String name, GGMLType type, int hidden, int ffn, int rank, long seed) {
        SynthShape shape = new SynthShape(name, "bamboo", SynthShape.Activation.DRELU, hidden, ffn, 2, 4, 2, 1024, 256, SynthFormat.POWERINFER);
        Path path = dir.resolve(name + ".gguf");
        Synthesizer.write(path, new SynthOptions(shape, type, SynthFormat.POWERINFER, rank, 0.2, seed, 2, 4), true,
                new PrintWriter(Writer.nullWriter()), line -> {});
        return ModelLoader.open(path);
    }
}
