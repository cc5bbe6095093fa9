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
        Integer[] order = candidates(logits);
        int keep = order.length;
        if (options.topK() > 0) keep = Math.min(keep, options.topK());
        double max = logits[order[0]];
        double[] probs = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp(logits[order[i]] - max);
            sum += probs[i];
        }
        // top-p: the smallest prefix whose probability reaches p
        double cumulative = 0;
        for (int i = 0; i < keep; i++) {
            cumulative += probs[i] / sum;
            if (cumulative >= options.topP()) {
                keep = i + 1;
                break;
            }
        }
        // min-p: drop tokens below min_p times the most likely one
        if (options.minP() > 0) {
            for (int i = 1; i < keep; i++) {
                if (probs[i] / probs[0] < options.minP()) {
                    keep = i;
                    break;
                }
            }
        }
        double total = 0;
        double[] tempered = new double[keep];
        for (int i = 0; i < keep; i++) {
            tempered[i] = Math.exp((logits[order[i]] - max) / options.temperature());
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

    /** Token ids sorted by descending logit (ties: lower id first), limited to top-k when set. */
    private Integer[] candidates(float[] logits) {
        Integer[] ids = new Integer[logits.length];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        Arrays.sort(ids, (a, b) -> {
            int c = Float.compare(logits[b], logits[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        return ids;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
