package dev.bamboo.runtime.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens from logits in llama.cpp's default order: repetition penalty, top-k, top-p, min-p, temperature, then a
 * draw from the remaining distribution (or the arg-max when greedy).
 */
public final class Sampler {
    private final SamplingOptions options;
    private final SplittableRandom random;
    private final long seed;

    public Sampler(SamplingOptions options) {
        this.options = options;
        this.seed = options.seed() == -1 ? System.nanoTime() ^ 0x5DEECE66DL : options.seed();
        this.random = new SplittableRandom(seed);
    }

    public long seed() {
        return seed;
    }

    /** The next token; {@code history[0, historyLength)} are the tokens so far (for the repetition penalty). Modifies {@code logits}. */
    public int sample(float[] logits, int[] history, int historyLength) {
        applyRepeatPenalty(logits, history, historyLength);
        if (options.isGreedy()) return argmax(logits);
        int[] order = candidates(logits, options.topK());
        int keep = order.length;
        float max = logits[order[0]];
        // top-p, in float as llama.cpp computes it (so the token that lands on p exactly is cut where llama.cpp cuts it);
        // at 1 it is off, not a cut where the running sum rounds to 1
        if (options.topP() < 1f) {
            float[] probs = new float[keep];
            float sum = 0f;
            for (int i = 0; i < keep; i++) {
                probs[i] = (float) Math.exp(logits[order[i]] - max);
                sum += probs[i];
            }
            float cumulative = 0f;
            for (int i = 0; i < keep; i++) {
                cumulative += probs[i] / sum;
                if (cumulative >= options.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        // min-p: drop tokens whose probability is below min_p times the most likely one's, compared as llama.cpp does:
        // logit < max + log(min_p)
        if (options.minP() > 0) {
            float minLogit = max + (float) Math.log(options.minP());
            for (int i = 1; i < keep; i++) {
                if (logits[order[i]] < minLogit) {
                    keep = i;
                    break;
                }
            }
        }
        double total = 0;
        double[] tempered = new double[keep];
        for (int i = 0; i < keep; i++) {
            tempered[i] = Math.exp(((double) logits[order[i]] - max) / options.temperature());
            total += tempered[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= tempered[i];
            if (r <= 0) return order[i];
        }
        return order[keep - 1];
    }

    private void applyRepeatPenalty(float[] logits, int[] history, int historyLength) {
        float penalty = options.repeatPenalty();
        if (penalty == 1.0f || options.repeatLastN() == 0 || historyLength == 0) return;
        int n = options.repeatLastN() < 0 ? historyLength : Math.min(historyLength, options.repeatLastN());
        boolean[] seen = new boolean[logits.length];
        for (int i = historyLength - n; i < historyLength; i++) {
            int tok = history[i];
            if (tok < 0 || tok >= logits.length || seen[tok]) continue;
            seen[tok] = true;
            logits[tok] = logits[tok] > 0 ? logits[tok] / penalty : logits[tok] * penalty;
        }
    }

    /**
     * Token ids by descending logit (ties: lower id first): the top k when top-k is on, else all of them. Each token is
     * one {@code long} whose natural order is that order ({@link #rank}), so sorting never boxes; top-k keeps a bounded
     * heap, so the common case never sorts the whole vocabulary.
     */
    static int[] candidates(float[] logits, int topK) {
        int n = logits.length;
        int k = topK > 0 ? Math.min(topK, n) : n;
        long[] best;
        if (k == n) {
            best = new long[n];
            for (int i = 0; i < n; i++) best[i] = rank(logits[i], i);
        } else {
            best = topRanks(logits, k);
        }
        Arrays.sort(best);
        int[] out = new int[best.length];
        for (int i = 0; i < out.length; i++) out[i] = (int) best[i];
        return out;
    }

    /**
     * Token {@code id} as a number that is smaller the better the token: the logit's bits made to order as the floats
     * do ({@link Float#compare}: -0 below +0), inverted for descending order, in the high half; the id in the low.
     */
    static long rank(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | id;
    }

    /** The {@code k} smallest ranks, unordered: a max-heap of the best so far, the worst of them at the root. */
    private static long[] topRanks(float[] logits, int k) {
        long[] heap = new long[k];
        for (int i = 0; i < k; i++) heap[i] = rank(logits[i], i);
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(heap, i, k);
        for (int i = k; i < logits.length; i++) {
            long r = rank(logits[i], i);
            if (r < heap[0]) {
                heap[0] = r;
                siftDown(heap, 0, k);
            }
        }
        return heap;
    }

    private static void siftDown(long[] heap, int at, int size) {
        long v = heap[at];
        while (true) {
            int child = 2 * at + 1;
            if (child >= size) break;
            if (child + 1 < size && heap[child + 1] > heap[child]) child++;
            if (heap[child] <= v) break;
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = v;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
