package dev.bamboo.runtime.generate;

/**
 * Timings of one generation, as llama.cpp reports them.
 *
 * @param promptTokens    prompt tokens run: the whole prompt, unless the generation was cancelled before or within it
 * @param generatedTokens tokens sampled and passed on (stop tokens not counted)
 * @param evalRuns        forward passes after the prompt's: one per generated token that was fed back, which is
 *                        every one but the last unless a stop token ended the generation
 * @param evalNanos       the time of those forward passes (sampling not included)
 * @param seed            the sampler's seed: the options' own, or the one drawn for {@code -1}; pass it to get the
 *                        same text again
 */
public record GenerationStats(int promptTokens, long promptNanos, int generatedTokens, int evalRuns, long evalNanos,
                              StopReason stopReason, long seed) {

    /**
     * Why the generation ended; {@code CANCELLED} before the prompt pass means nothing was run (no prompt tokens), and
     * within it, fewer prompt tokens than the prompt has.
     */
    public enum StopReason { LENGTH, EOS, CANCELLED, CONTEXT_FULL }

    public double promptMsPerToken() {
        return promptTokens == 0 ? 0 : promptNanos / 1e6 / promptTokens;
    }

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    public double evalMsPerToken() {
        return evalRuns == 0 ? 0 : evalNanos / 1e6 / evalRuns;
    }

    public double evalTokensPerSecond() {
        return evalNanos == 0 ? 0 : evalRuns * 1e9 / evalNanos;
    }
}
