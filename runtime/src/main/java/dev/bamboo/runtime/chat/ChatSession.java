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
 * KV cache already holds (the common prefix) are kept, so only the new turn is processed. When the conversation
 * outgrows the context, its oldest exchanges are forgotten (the system prompt stays), as chat front ends do.
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

    /**
     * Sends a user message and streams the assistant's reply. A message that does not fit the context even with every
     * earlier exchange forgotten is refused with a one-line error and leaves the conversation as it was.
     */
    public ChatReply send(String userText, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        var session = generator.engine().session();
        List<Message> kept = new ArrayList<>(messages);
        kept.add(Message.user(userText));
        int[] ids = render(kept);
        int forgotten = 0;
        // the prompt must leave room for at least one generated token
        while (ids.length >= session.contextLength()) {
            int dropped = forgetOldestExchange(kept);
            if (dropped == 0) {
                throw new MessageTooLongException("the message makes a prompt of " + ids.length + " tokens but the context holds "
                        + session.contextLength() + "; send a shorter message or use a larger -c (up to " + model.config().contextLength() + ")");
            }
            forgotten += dropped;
            ids = render(kept);
        }
        messages.clear();
        messages.addAll(kept);
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
        return new ChatReply(reply.toString(), stats, forgotten);
    }

    private int[] render(List<Message> conversation) {
        return template.render(conversation, true).encode(model.tokenizer());
    }

    /**
     * Drops the oldest user message after the system prompt and the reply to it; never the last message (the one being
     * sent). Returns how many messages went.
     */
    private static int forgetOldestExchange(List<Message> conversation) {
        int first = 0;
        while (first < conversation.size() && conversation.get(first).role() == Message.Role.SYSTEM) first++;
        int dropped = 0;
        while (first < conversation.size() - 1 && (dropped == 0 || conversation.get(first).role() == Message.Role.ASSISTANT)) {
            conversation.remove(first);
            dropped++;
        }
        return dropped;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
