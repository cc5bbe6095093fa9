package dev.bamboo.runtime.model;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.generate.Generator;
import dev.bamboo.runtime.tokenizer.StreamingDecoder;
import dev.bamboo.runtime.tokenizer.Tokenizer;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Generates text from a text prompt, streaming the decoded text as tokens come. */
public final class TextGenerator implements AutoCloseable {
    private final Model model;
    private final Engine engine;

    TextGenerator(Model model, Engine engine) {
        this.model = model;
        this.engine = engine;
    }

    public Engine engine() {
        return engine;
    }

    /**
     * Generates after {@code prompt}, from an empty context: each call is a text of its own, whatever earlier calls
     * left in the KV cache.
     */
    public GenerationStats generate(String prompt, GenerationOptions options, Consumer<String> onText) {
        engine.session().reset();
        return generate(model.promptIds(prompt, options.addBos()), options, () -> false, onText);
    }

    /**
     * Generates after the given prompt ids, continuing from the session's current position (what earlier calls left in
     * the KV cache stays before them: a chat's earlier turns); {@code engine().session().rewind(n)} keeps only the first
     * {@code n} positions.
     */
    public GenerationStats generate(int[] promptIds, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        Tokenizer tok = model.tokenizer();
        StreamingDecoder decoder = tok.newStreamingDecoder();
        GenerationStats stats = new Generator(engine.session(), model.tokenizer().vocabSize()).generate(promptIds, options, model.stopTokens(), cancelled, token -> {
            String text = decoder.feed(token);
            if (!text.isEmpty()) onText.accept(text);
            return true;
        });
        String rest = decoder.finish();
        if (!rest.isEmpty()) onText.accept(rest);
        return stats;
    }

    @Override
    public void close() {
        engine.close();
    }
}
