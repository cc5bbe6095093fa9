package dev.bamboo.runtime.perplexity;

import dev.bamboo.runtime.generate.FiniteLogits;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.BambooException;

import java.util.Arrays;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The perplexity of a token sequence, measured the way llama.cpp's {@code llama-perplexity} measures it, so that the
 * numbers compare with llama.cpp's and PowerInfer's on the same file and text:
 * <pre>
 *   the tokens are cut into chunks of C tokens (the rest is dropped); each chunk runs from an empty cache, its first
 *   token replaced by BOS (where the model's tokenizer adds one); of chunk k's positions j, those in [C/2, C − 1) are
 *   scored:   nll += −ln softmax(logits_j)[token_{j+1}]            PPL = exp(nll / scored tokens)
 * </pre>
 * Scoring only the second half means every scored token has at least C/2 tokens of context. The log-softmax is taken in
 * double precision.
 */
public final class Perplexity {
    /** Tokens of a chunk's scored half run per call: bounds the logits held at once (512 × the vocabulary, in floats). */
    static final int PIECE = 512;
    /** The smallest chunk that scores a token (C − C/2 − 1 ≥ 1). */
    public static final int MIN_CHUNK = 3;

    private Perplexity() {}

    /** Fails with a one-line message when chunks of {@code chunkLength} tokens would score none. */
    public static void checkChunkLength(int chunkLength) {
        if (chunkLength < MIN_CHUNK) {
            throw new BambooException("-c " + chunkLength + " is too small for perplexity: a chunk of " + chunkLength + " tokens scores none; use -c "
                    + MIN_CHUNK + " or more (llama.cpp's published runs use 512)");
        }
    }

    /** Chunks of {@code chunkLength} tokens in {@code tokens} tokens, at most {@code maxChunks} ({@code -1}: no limit). */
    public static int chunks(int tokens, int chunkLength, int maxChunks) {
        int whole = tokens / chunkLength;
        return maxChunks < 0 ? whole : Math.min(whole, maxChunks);
    }

    /** Tokens each chunk of {@code chunkLength} scores: its second half, less the last token, which predicts nothing. */
    public static int scoredPerChunk(int chunkLength) {
        return chunkLength - chunkLength / 2 - 1;
    }

    /**
     * Runs {@code chunks} chunks of {@code chunkLength} tokens of {@code tokens} through {@code session} (which must
     * hold {@code chunkLength} positions; it is reset before each chunk) and returns the sums over their scored tokens.
     * {@code afterChunk} sees the running result after each chunk; {@code cancelled} is polled between forward passes,
     * and a chunk it stops is left out of the result.
     *
     * @param bos the id that replaces each chunk's first token, or empty to keep the tokens as they are
     */
    public static PerplexityResult measure(InferenceSession session, int[] tokens, int chunkLength, int chunks, OptionalInt bos,
                                           BooleanSupplier cancelled, Consumer<PerplexityResult> afterChunk) {
        checkChunkLength(chunkLength);
        if (chunkLength > session.contextLength()) throw new IllegalArgumentException("chunks of " + chunkLength + " tokens in a context of " + session.contextLength());
        if (chunks < 1 || (long) chunks * chunkLength > tokens.length) throw new IllegalArgumentException(chunks + " chunks of " + chunkLength + " in " + tokens.length + " tokens");
        // the caller's code runs as the session's callbacks: a generation it would start on this session is refused
        BooleanSupplier stop = () -> session.callingBack(cancelled::getAsBoolean);
        return session.exclusively(() -> {
            PerplexityResult result = PerplexityResult.NONE;
            int first = chunkLength / 2;
            for (int c = 0; c < chunks; c++) {
                int[] chunk = Arrays.copyOfRange(tokens, c * chunkLength, (c + 1) * chunkLength);
                if (bos.isPresent()) chunk[0] = bos.getAsInt();
                session.reset();
                if (session.append(Arrays.copyOf(chunk, first), stop) == null) return result;
                double nll = 0, squares = 0;
                // positions first .. C − 2 give the logits that score tokens first + 1 .. C − 1
                for (int from = first; from < chunkLength - 1; from += PIECE) {
                    if (stop.getAsBoolean()) return result;
                    int to = Math.min(chunkLength - 1, from + PIECE);
                    float[][] logits = session.appendAllLogits(Arrays.copyOfRange(chunk, from, to));
                    for (int j = from; j < to; j++) {
                        double term = -logProbability(FiniteLogits.check(logits[j - from], c * chunkLength + j), chunk[j + 1]);
                        nll += term;
                        squares += term * term;
                    }
                }
                result = result.plus(scoredPerChunk(chunkLength), nll, squares);
                PerplexityResult sofar = result;
                session.callingBack(() -> {
                    afterChunk.accept(sofar);
                    return null;
                });
            }
            return result;
        });
    }

    /** {@code ln softmax(logits)[token]}, in double precision. */
    static double logProbability(float[] logits, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp((double) l - max);
        return (double) logits[token] - max - Math.log(sum);
    }
}
