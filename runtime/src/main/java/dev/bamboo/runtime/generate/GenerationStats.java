package dev.bamboo.runtime.generate;

/** Timings of one generation, as llama.cpp reports them. */
public record GenerationStats(int promptTokens, long promptNanos, int generatedTokens, long evalNanos, StopReason stopReason) {

    public enum StopReason { LENGTH, EOS, CANCELLED, CONTEXT_FULL }

    public double promptMsPerToken() {
        return promptTokens == 0 ? 0 : promptNanos / 1e6 / promptTokens;
    }

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Generation timings exclude the first token, which the prompt pass produced. */
    public double evalMsPerToken() {
        return evalRuns() == 0 ? 0 : evalNanos / 1e6 / evalRuns();
    }

    public double evalTokensPerSecond() {
        return evalNanos == 0 ? 0 : evalRuns() * 1e9 / evalNanos;
    }

    /** Forward passes after the prompt: every generated token but the last needs one. */
    public int evalRuns() {
        return Math.max(0, generatedTokens - 1);
    }
}
