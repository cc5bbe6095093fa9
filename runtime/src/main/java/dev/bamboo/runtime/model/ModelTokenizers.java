package dev.bamboo.runtime.model;

import dev.bamboo.runtime.tokenizer.Tokenizer;
import dev.bamboo.runtime.tokenizer.TokenizerLoader;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.gguf.GGUFMetadata;
import dev.bamboo.weights.model.LoadedModel;

/** The tokenizer stored inside a model file (GGUF {@code tokenizer.ggml.*} metadata). */
final class ModelTokenizers {
    private ModelTokenizers() {}

    static Tokenizer fromModelFile(LoadedModel loaded) {
        GGUFMetadata m = loaded.ggufMetadata().orElseThrow(() ->
                new BambooException(loaded.path() + ": this model file carries no tokenizer; use a GGUF file or a Hugging Face directory with tokenizer.model"));
        String[] tokens = m.stringArray("tokenizer.ggml.tokens").map(l -> l.toArray(String[]::new)).orElse(null);
        return TokenizerLoader.fromGgufArrays(m.string("tokenizer.ggml.model").orElse(null), tokens,
                m.floatArray("tokenizer.ggml.scores").orElse(null), m.intArray("tokenizer.ggml.token_type").orElse(null),
                id(m, "tokenizer.ggml.bos_token_id"), id(m, "tokenizer.ggml.eos_token_id"), id(m, "tokenizer.ggml.unknown_token_id"),
                m.bool("tokenizer.ggml.add_bos_token").orElse(null), m.bool("tokenizer.ggml.add_space_prefix").orElse(null));
    }

    private static Integer id(GGUFMetadata m, String key) {
        var v = m.intValue(key);
        return v.isPresent() ? Math.toIntExact(v.getAsLong()) : null;
    }
}
