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
        String model = m.string("tokenizer.ggml.model").orElse(null);
        float[] scores = m.floatArray("tokenizer.ggml.scores").orElse(null);
        int[] types = m.intArray("tokenizer.ggml.token_type").orElse(null);
        Integer bos = id(m, "tokenizer.ggml.bos_token_id"), eos = id(m, "tokenizer.ggml.eos_token_id"), unk = id(m, "tokenizer.ggml.unknown_token_id");
        Boolean addBos = m.bool("tokenizer.ggml.add_bos_token").orElse(null), prefix = m.bool("tokenizer.ggml.add_space_prefix").orElse(null);
        try {
            return TokenizerLoader.fromGgufArrays(model, tokens, scores, types, bos, eos, unk, addBos, prefix);
        } catch (BambooException e) {
            // the loader checks arrays, not files: say which file they came from
            throw new BambooException(loaded.path().getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static Integer id(GGUFMetadata m, String key) {
        var v = m.intValue(key);
        if (v.isEmpty()) return null;
        // a negative or huge id is no token; the vocabulary's own range check names it
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, v.getAsLong()));
    }
}
