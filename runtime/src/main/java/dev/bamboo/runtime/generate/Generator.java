package dev.bamboo.runtime.generate;

import dev.bamboo.runtime.sampling.Sampler;
import dev.bamboo.weights.BambooException;

import java.util.Arrays;
import java.util.function.BooleanSupplier;

/** Generates tokens after a prompt: one batched prompt pass, then one forward pass per new token. */
public final class Generator {
    private final InferenceSession session;
    /** Ids from here on are never sampled: rows of a padded vocabulary that no text maps to. */
    private final int sampleable;

    /** A generator that may sample any id of the model's vocabulary. */
    public Generator(InferenceSession session) {
        this(session, Integer.MAX_VALUE);
    }

    /**
     * A generator that samples only ids below {@code sampleable}: the tokenizer's size, when a model's vocabulary is
     * padded past it (those rows were never trained, and no text maps to them).
     */
    public Generator(InferenceSession session, int sampleable) {
        this.session = session;
        this.sampleable = sampleable;
    }

    /**
     * Appends {@code prompt} to the session and generates after it. The session is held for the whole call: an
     * engine's session refuses other threads meanwhile ({@link InferenceSession#exclusively}).
     *
     * <p>As in llama.cpp, the last token passed to {@code sink} is not run through the model: the session ends at the
     * token before it ({@link GenerationStats#evalRuns}). To go on with the same text, start the next prompt with it.
     *
     * @param prompt    the prompt's ids, BOS included where wanted ({@code options.addBos()} is for text prompts)
     * @param options   {@code maxTokens} (-1 = until a stop token or a full context), sampling, and {@code ignoreEos}:
     *                  then no stop token is ever sampled (as llama.cpp does, their logits are set to minus infinity),
     *                  otherwise generation stops at the first one
     * @param stop      the model's end-of-sequence and end-of-turn ids
     * @param cancelled polled before the prompt pass, between its batches and around each token (Ctrl-C); an
     *                  interrupt of the calling thread cancels too (and stays set). Cancelled within the prompt, the
     *                  session keeps the prompt tokens that ran ({@link GenerationStats#promptTokens})
     * @param sink      gets each generated id; returning false stops the generation. It and {@code cancelled} run
     *                  as the session's callbacks ({@link InferenceSession#callingBack}): a generation they start on
     *                  the same session is refused
     */
    public GenerationStats generate(int[] prompt, GenerationOptions options, StopTokens stop, BooleanSupplier cancelled, TokenSink sink) {
        return generate(new int[0], prompt, options, stop, cancelled, sink);
    }

    /**
     * {@link #generate(int[], GenerationOptions, StopTokens, BooleanSupplier, TokenSink)} after {@code earlier}, the
     * tokens the session already holds before {@code prompt} (a chat's earlier turns): they are not run again, but the
     * repetition penalty counts them, as llama.cpp's counts every prompt token.
     */
    public GenerationStats generate(int[] earlier, int[] prompt, GenerationOptions options, StopTokens stop, BooleanSupplier cancelled, TokenSink sink) {
        return session.exclusively(() -> run(earlier, prompt, options, stop, cancelled, sink));
    }

    private GenerationStats run(int[] earlier, int[] prompt, GenerationOptions options, StopTokens stop, BooleanSupplier cancelled, TokenSink sink) {
        int maxTokens = options.maxTokens();
        boolean ignoreEos = options.ignoreEos();
        if (prompt.length == 0) throw new BambooException("the prompt is empty: give at least one token");
        if (session.position() + prompt.length >= session.contextLength()) {
            // the CLI checks first with the model's limits (ContextLimit); a library caller gets the plain facts
            throw new BambooException("the prompt is " + prompt.length + (prompt.length == 1 ? " token" : " tokens") + " after " + session.position() + " in the context but the context holds "
                    + session.contextLength() + " (including at least one generated token); use a shorter prompt or a larger context");
        }
        Sampler sampler = new Sampler(options.sampling());
        if (stopRequested(cancelled)) {
            return new GenerationStats(0, 0, 0, 0, 0, GenerationStats.StopReason.CANCELLED, sampler.seed());
        }
        // room for the prompt and what the context can still hold; grown only if maxTokens is larger
        int room = session.contextLength() - session.position();
        // what the repetition penalty looks at: earlier tokens, the prompt, then each generated token
        int[] history = new int[Math.max(16, earlier.length + prompt.length + Math.min(room, Math.max(0, maxTokens)) + 1)];
        System.arraycopy(earlier, 0, history, 0, earlier.length);
        System.arraycopy(prompt, 0, history, earlier.length, prompt.length);
        int historyLength = earlier.length + prompt.length;

        long t0 = System.nanoTime();
        int start = session.position();
        // a long prompt runs in several passes: Ctrl-C stops between them, not only once the whole prompt has run
        float[] last = session.append(prompt, () -> stopRequested(cancelled));
        long promptNanos = System.nanoTime() - t0;
        if (last == null) {
            return new GenerationStats(session.position() - start, promptNanos, 0, 0, 0, GenerationStats.StopReason.CANCELLED, sampler.seed());
        }
        float[] logits = lastLogits(last);

        // eval time is that of the forward passes after the prompt, as llama.cpp counts it: sampling is not in it
        long evalNanos = 0;
        int generated = 0, evalRuns = 0;
        GenerationStats.StopReason reason = GenerationStats.StopReason.LENGTH;
        while (maxTokens < 0 || generated < maxTokens) {
            if (stopRequested(cancelled)) {
                reason = GenerationStats.StopReason.CANCELLED;
                break;
            }
            if (ignoreEos) stop.mask(logits);
            if (sampleable < logits.length) Arrays.fill(logits, sampleable, logits.length, Float.NEGATIVE_INFINITY);
            int next = sampler.sample(logits, history, historyLength);
            if (stop.contains(next)) {
                reason = GenerationStats.StopReason.EOS;
                break;
            }
            generated++;
            if (historyLength == history.length) history = Arrays.copyOf(history, history.length * 2);
            history[historyLength++] = next;
            if (!session.callingBack(() -> sink.accept(next)) || stopRequested(cancelled)) {
                reason = GenerationStats.StopReason.CANCELLED;
                break;
            }
            if (maxTokens >= 0 && generated == maxTokens) break;
            if (session.position() + 1 > session.contextLength()) {
                reason = GenerationStats.StopReason.CONTEXT_FULL;
                break;
            }
            long t = System.nanoTime();
            logits = lastLogits(session.append(next));
            evalNanos += System.nanoTime() - t;
            evalRuns++;
        }
        return new GenerationStats(prompt.length, promptNanos, generated, evalRuns, evalNanos, reason, sampler.seed());
    }

    /** The caller's code runs as a callback: a generation it would start on this session is refused. */
    private boolean stopRequested(BooleanSupplier cancelled) {
        return session.callingBack(cancelled::getAsBoolean) || Thread.currentThread().isInterrupted();
    }

    /** The logits of the position just appended, checked (see {@link FiniteLogits}). */
    private float[] lastLogits(float[] logits) {
        return FiniteLogits.check(logits, session.position() - 1);
    }
}
