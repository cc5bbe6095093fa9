package dev.bamboo.predictor.training;

import dev.bamboo.weights.BambooException;

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
        this(hidden, ffn, 0);
    }

    /** Room for {@code capacity} tokens from the start: no copies while they are added. */
    public LayerSamples(int hidden, int ffn, int capacity) {
        if (hidden < 1 || ffn < 1 || capacity < 0) throw new IllegalArgumentException("hidden " + hidden + ", ffn " + ffn + ", capacity " + capacity);
        this.hidden = hidden;
        this.ffn = ffn;
        this.words = (ffn + 63) >>> 6;
        if (capacity > maxTokens(hidden, ffn)) throw tooMany(capacity);
        inputs = new float[capacity * hidden];
        labels = new long[capacity * words];
    }

    /** The most tokens one layer's samples hold: Java arrays end at 2^31 values. */
    public static int maxTokens(int hidden, int ffn) {
        return (Integer.MAX_VALUE - 16) / Math.max(hidden, (ffn + 63) >>> 6);
    }

    /** Bytes {@code tokens} tokens take. */
    public static long bytes(int hidden, int ffn, long tokens) {
        return tokens * ((long) hidden * Float.BYTES + (long) ((ffn + 63) >>> 6) * Long.BYTES);
    }

    private BambooException tooMany(long tokens) {
        return new BambooException(tokens + " tokens are more than one layer's samples hold (" + maxTokens(hidden, ffn) + " at hidden size " + hidden
                + "); give a shorter text");
    }

    public int hidden() { return hidden; }

    public int ffn() { return ffn; }

    /** Tokens added. */
    public int count() { return count; }

    /** Adds a token: its residual {@code h[0, hidden)} and {@code active[i]} for each neuron {@code i < ffn}. */
    public void add(float[] h, boolean[] active) {
        if ((long) (count + 1) * hidden > inputs.length) {
            if (count == maxTokens(hidden, ffn)) throw tooMany(count + 1L);
            int grown = (int) Math.min(maxTokens(hidden, ffn), Math.max(16L, count * 2L));
            inputs = Arrays.copyOf(inputs, grown * hidden);
            labels = Arrays.copyOf(labels, grown * words);
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
