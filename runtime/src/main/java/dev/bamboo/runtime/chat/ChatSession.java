package dev.bamboo.runtime.chat;

import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.model.TextGenerator;
import dev.bamboo.weights.BambooException;

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
    /** Replies so far: reply k samples with seed + k, so that replies draw other numbers and a seed repeats the chat. */
    private int replies;

    /**
     * Fails with a one-line message when the context has no room for a conversation: the system prompt (if any), an
     * empty message and the shortest reply must fit.
     */
    public ChatSession(Model model, TextGenerator generator, ChatTemplate template, String systemPrompt) {
        this.model = model;
        this.generator = generator;
        this.template = template;
        boolean hasSystem = systemPrompt != null && !systemPrompt.isBlank();
        if (hasSystem) messages.add(Message.system(systemPrompt));
        int context = generator.engine().session().contextLength();
        List<Message> first = new ArrayList<>(messages);
        first.add(Message.user(""));
        int alone = render(first).length;
        if (hasSystem && alone + REPLY_ROOM_MIN > context) {
            throw model.contextLimit(context).tooLong("the system prompt, an empty message and the " + REPLY_ROOM_MIN
                    + " positions a reply needs at least come to", alone + REPLY_ROOM_MIN, "a shorter --system");
        }
        if (alone + 1 > context) {
            // no message could ever be answered: say so now rather than refuse each one
            throw new BambooException("an empty message and a one-token reply come to " + (alone + 1) + " tokens but the context holds "
                    + context + "; use a larger -c (up to " + model.contextLimit(context).modelContext() + ")");
        }
    }

    /** The fewest positions a turn keeps for its reply when earlier exchanges can make room. */
    private static final int REPLY_ROOM_MIN = 16;

    /**
     * Positions a turn keeps free for the reply, as long as forgetting earlier exchanges can make them: the reply's
     * length limit, at most a quarter of the context (a reply with no limit gets that quarter).
     */
    static int replyRoom(int maxTokens, int context) {
        int quarter = Math.max(1, context / 4);
        return maxTokens < 0 ? quarter : Math.max(1, Math.min(maxTokens, quarter));
    }

    public ChatTemplate template() {
        return template;
    }

    /** The conversation as the next message will be rendered after: the system prompt, then each answered message and its reply. */
    public List<Message> messages() {
        return List.copyOf(messages);
    }

    /**
     * Sends a user message and streams the assistant's reply. A message that does not fit the context even with every
     * earlier exchange forgotten is refused with a one-line error and leaves the conversation as it was.
     */
    public ChatReply send(String userText, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        // held from the start: a second thread (or a callback of a generation on the same engine) is refused before the
        // conversation changes
        return generator.engine().session().exclusively(() -> sendHeld(userText, options, cancelled, onText));
    }

    private ChatReply sendHeld(String userText, GenerationOptions options, BooleanSupplier cancelled, Consumer<String> onText) {
        var session = generator.engine().session();
        List<Message> kept = new ArrayList<>(messages);
        kept.add(Message.user(userText));
        int[] ids = render(kept);
        int forgotten = 0, context = session.contextLength(), room = replyRoom(options.maxTokens(), context);
        // forget until the reply has room, or nothing is left to forget
        while (ids.length + room > context) {
            int dropped = forgetOldestExchange(kept);
            if (dropped == 0) break;
            forgotten += dropped;
            ids = render(kept);
        }
        // the prompt must leave room for at least one generated token
        if (ids.length >= context) {
            throw new MessageTooLongException(model.contextLimit(context).tooLong("the message makes a prompt of", ids.length, "a shorter message").getMessage());
        }
        // what the cache holds, as the engine recorded it: the generator may have run other text since the last turn
        int common = commonPrefix(generator.engine().tokens(), ids);
        if (common == ids.length) common--; // at least one token must run to produce logits
        StringBuilder reply = new StringBuilder();
        long seed = options.sampling().seed();
        GenerationOptions replyOptions = seed == -1 ? options : options.withSampling(options.sampling().withSeed(seed + replies));
        session.rewind(common);
        // a failure on the way (the engine closed meanwhile, the callback's own exception) leaves the conversation as it was
        GenerationStats stats = generator.generate(Arrays.copyOf(ids, common), Arrays.copyOfRange(ids, common, ids.length), replyOptions, cancelled, t -> {
            reply.append(t);
            onText.accept(t);
        });
        if (stats.promptTokens() < ids.length - common) {
            // cancelled before the message had run: it was not sent; the cache keeps what ran, which the next message
            // reuses as far as its prompt starts the same way
            return new ChatReply("", stats, 0, false);
        }
        messages.clear();
        messages.addAll(kept);
        replies++;
        messages.add(Message.assistant(reply.toString().strip()));
        // keep the prompt in the cache but not the reply as sampled: the next turn renders the reply through the
        // template and its tokens may differ from the sampled ones
        session.rewind(ids.length);
        return new ChatReply(reply.toString(), stats, forgotten, true);
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
