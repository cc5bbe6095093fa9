package dev.bamboo.runtime.chat;

import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.model.GenerationOptions;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.model.TextGenerator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A conversation with a model. Each turn renders the whole conversation with the chat template; the tokens the
 * KV cache already holds (the common prefix) are kept, so only the new turn is processed.
 */
public final class ChatSession {
    private final Model model;
    private final TextGenerator generator;
    private final ChatTemplate template;
    private final List<Message> messages = new ArrayList<>();
    private int[] cached = new int[0];

    public ChatSession(Model model, TextGenerator generator, ChatTemplate template, String systemPrompt) {
        this.model = model;
        this.generator = generator;
        this.template = template;
        if (systemPrompt != null && !systemPrompt.isBlank()) messages.add(Message.system(systemPrompt));
    }

    public ChatTemplate template() {
        return template;
    }

    /** Sends a user message and streams the assistant's reply. */
    public GenerationStats send(String userText, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        messages.add(Message.user(userText));
        int[] ids = template.render(messages, true).encode(model.tokenizer());
        var session = generator.engine().session();
        int common = commonPrefix(cached, ids);
        if (common == ids.length) common--; // at least one token must run to produce logits
        session.rewind(common);
        StringBuilder reply = new StringBuilder();
        GenerationStats stats = generator.generate(Arrays.copyOfRange(ids, common, ids.length), options, cancelled, t -> {
            reply.append(t);
            onText.accept(t);
        });
        messages.add(Message.assistant(reply.toString().strip()));
        // keep the prompt in the cache but not the reply as sampled: the next turn renders the reply through the
        // template and its tokens may differ from the sampled ones
        session.rewind(ids.length);
        cached = ids;
        return stats;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
