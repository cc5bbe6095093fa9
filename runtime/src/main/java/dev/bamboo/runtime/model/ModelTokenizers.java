package dev.bamboo.runtime.model;

import dev.bamboo.runtime.tokenizer.Tokenizer;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.LoadedModel;

/** The tokenizer stored inside a model file (GGUF {@code tokenizer.ggml.*} metadata). */
final class ModelTokenizers {
    private ModelTokenizers() {}

    static Tokenizer fromModelFile(LoadedModel loaded) {
        throw new BambooException(loaded.path() + ": reading the tokenizer from this file is not supported");
    }
}
