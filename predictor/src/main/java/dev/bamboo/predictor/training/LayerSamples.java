package dev.bamboo.predictor.training;

import java.util.Arrays;

/**
 * What one layer's predictor learns from: per token, the residual {@code h} the predictor reads (after attention,
 * before the FFN norm) and which of the FFN's neurons were really non-zero. Grows as tokens are added; one thread adds.
 */
public final class LayerSamples {
    private final int hidden;
    private final int ffn;
    private final int words;
    private float[] inputs = new float[0];
    private long[] labels = new long[0];
    private int count;

    public LayerSamples(int hidden, int ffn) {
        if (hidden < 1 || ffn < 1) throw new IllegalArgumentException("hidden " + hidden + ", ffn " + ffn);
        this.hidden = hidden;
        this.ffn = ffn;
        this.words = (ffn + 63) >>> 6;
    }

    public int hidden() { return hidden; }

    public int ffn() { return ffn; }

    /** Tokens added. */
    public int count() { return count; }

    /** Adds a token: its residual {@code h[0, hidden)} and {@code active[i]} for each neuron {@code i < ffn}. */
    public void add(float[] h, boolean[] active) {
        if (count == Integer.MAX_VALUE / Math.max(hidden, words)) throw new IllegalStateException("too many samples for one layer");
        if ((long) (count + 1) * hidden > inputs.length) {
            int grown = Math.max(16, count * 2);
            inputs = Arrays.copyOf(inputs, Math.toIntExact((long) grown * hidden));
            labels = Arrays.copyOf(labels, Math.toIntExact((long) grown * words));
        }
        System.arraycopy(h, 0, inputs, count * hidden, hidden);
        int base = count * words;
        for (int i = 0; i < ffn; i++) {
            if (active[i]) labels[base + (i >>> 6)] |= 1L << i;
        }
        count++;
    }

    /** The residuals, token {@code k}'s from {@code k · hidden} on (the array may be longer than {@link #count} tokens). */
    float[] inputs() {
        return inputs;
    }

    /** True when neuron {@code neuron} was active for token {@code token}. */
    public boolean active(int token, int neuron) {
        return (labels[token * words + (neuron >>> 6)] & 1L << neuron) != 0;
    }

    /** Token {@code token}'s residual, copied into {@code out}. */
    public void input(int token, float[] out) {
        System.arraycopy(inputs, token * hidden, out, 0, hidden);
    }

    /** The share of (token, neuron) pairs that are active: the FFN's true density over these samples. */
    public double density() {
        long on = 0;
        for (int i = 0, n = count * words; i < n; i++) on += Long.bitCount(labels[i]);
        return count == 0 ? 0 : (double) on / ((double) count * ffn);
    }
}
