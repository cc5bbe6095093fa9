package dev.bamboo.runtime.perplexity;

/**
 * The negative log-likelihoods of the tokens a {@link Perplexity} run scored, summed: enough for the perplexity and for
 * llama.cpp's error estimate.
 *
 * @param chunks       chunks run
 * @param tokens       tokens scored
 * @param nllSum       Σ −ln p(token | the tokens before it in its chunk)
 * @param nllSquareSum Σ of the squares of the same terms
 */
public record PerplexityResult(int chunks, long tokens, double nllSum, double nllSquareSum) {
    static final PerplexityResult NONE = new PerplexityResult(0, 0, 0, 0);

    /** Mean negative log-likelihood per scored token, in nats. */
    public double meanNll() {
        return nllSum / tokens;
    }

    /** {@code exp(mean NLL)}. */
    public double perplexity() {
        return Math.exp(meanNll());
    }

    /**
     * llama.cpp's "±": the standard error of the mean NLL (sample variance over the scored tokens) carried to the
     * perplexity to first order, i.e. times the perplexity. 0 when fewer than two tokens were scored.
     */
    public double error() {
        if (tokens < 2) return 0;
        double mean = meanNll(), variance = nllSquareSum / tokens - mean * mean;
        return variance <= 0 ? 0 : Math.sqrt(variance / (tokens - 1)) * perplexity();
    }

    /** These sums and one more chunk's. */
    PerplexityResult plus(long chunkTokens, double chunkNll, double chunkNllSquares) {
        return new PerplexityResult(chunks + 1, tokens + chunkTokens, nllSum + chunkNll, nllSquareSum + chunkNllSquares);
    }
}
