package dev.bamboo.runtime.model;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.generate.Generator;
import dev.bamboo.runtime.tokenizer.StreamingDecoder;
import dev.bamboo.runtime.tokenizer.Tokenizer;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Generates text from a text prompt, streaming the decoded text as tokens come. For one thread at a time, like its
 * {@link Engine}: threads that generate at the same time each need their own.
 */
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
     * left in the KV cache. {@code onText} gets the text that follows the prompt's, so that prompt + text is the whole
     * text: a continuation after a word starts with its space (" free", as llama.cpp prints it); after an empty prompt
     * the first word's space is the tokenizer's dummy prefix and is dropped, as in a decode of the whole sequence.
     */
    public GenerationStats generate(String prompt, GenerationOptions options, Consumer<String> onText) {
        return generate(prompt, options, () -> false, onText);
    }

    /**
     * {@link #generate(String, GenerationOptions, Consumer)} that stops, between tokens, once {@code cancelled} is true
     * or the calling thread is interrupted.
     */
    public GenerationStats generate(String prompt, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        int[] ids = model.promptIds(prompt, options.addBos());
        return engine.session().exclusively(() -> {
            engine.session().reset();
            return generate(ids, options, cancelled, onText);
        });
    }

    /**
     * Generates after the given prompt ids, continuing from the session's current position (what earlier calls left in
     * the KV cache stays before them: a chat's earlier turns); {@code engine().session().rewind(n)} keeps only the first
     * {@code n} positions. The last generated token is not in the cache yet (see {@link Generator#generate}): to go on
     * with the same text, pass its id first; {@link Generator} with a {@code TokenSink} gives the ids. {@code onText}
     * gets the text that follows the prompt ids' text, as {@link #generate(String, GenerationOptions, Consumer)} says.
     */
    public GenerationStats generate(int[] promptIds, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        return generate(new int[0], promptIds, options, cancelled, onText, true);
    }

    /**
     * {@link #generate(int[], GenerationOptions, BooleanSupplier, Consumer)} where the session already holds {@code
     * earlier} before the prompt ids (a chat's earlier turns): the repetition penalty counts them too. {@code onText}
     * gets the reply as a text of its own (the generated ids decoded alone, without the space of its first word), as a
     * chat keeps and renders it again.
     */
    public GenerationStats generate(int[] earlier, int[] promptIds, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        return generate(earlier, promptIds, options, cancelled, onText, false);
    }

    private GenerationStats generate(int[] earlier, int[] promptIds, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText,
                                     boolean continuesPrompt) {
        return engine.session().exclusively(() -> {
            Tokenizer tok = model.tokenizer();
            StreamingDecoder decoder = tok.newStreamingDecoder();
            // the decoder reads the prompt first (its text is not handed on), so that it knows whether text came before
            if (continuesPrompt) for (int id : promptIds) decoder.feed(id);
            GenerationStats stats = new Generator(engine.session(), tok.vocabSize()).generate(earlier, promptIds, options, model.stopTokens(), cancelled, token -> {
                String text = decoder.feed(token);
                if (!text.isEmpty()) hand(onText, text);
                return true;
            });
            String rest = decoder.finish();
            if (!rest.isEmpty()) hand(onText, rest);
            return stats;
        });
    }

    /** {@code onText} runs as the session's callback: a generation it would start on this engine is refused. */
    private void hand(Consumer<String> onText, String text) {
        engine.session().callingBack(() -> {
            onText.accept(text);
            return null;
        });
    }

    @Override
    public void close() {
        engine.close();
    }
}
