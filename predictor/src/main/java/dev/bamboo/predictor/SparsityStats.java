package dev.bamboo.predictor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Accumulates, per layer and over tokens, how many FFN neurons were truly active, how many were selected (by the
 * predictor, or by whatever else picks the neurons a sparse FFN computes), and how many of the truly active ones were
 * selected (recall: a missed neuron is an error in the output, an extra one only costs time). Counts are pooled, as
 * the reference statistics are: recall = Σ hits / Σ truly active.
 *
 * <p>Not thread-safe: the forward pass records from one thread.
 */
public final class SparsityStats {
    private final int ffn;
    private final long[] tokens;
    /** Tokens whose true activations were recorded ({@link #recordComputed} records none). */
    private final long[] measured;
    private final long[] trueActive;
    private final long[] predicted;
    private final long[] hits;

    public SparsityStats(int layers, int ffn) {
        if (layers < 1 || ffn < 1) throw new IllegalArgumentException("layers " + layers + ", ffn " + ffn);
        this.ffn = ffn;
        this.tokens = new long[layers];
        this.measured = new long[layers];
        this.trueActive = new long[layers];
        this.predicted = new long[layers];
        this.hits = new long[layers];
    }


    public int ffn() { return ffn; }

    /**
     * One token of one layer.
     *
     * @param trueMask       {@code trueMask[i]}: neuron i was really active (first {@link #ffn()} entries are read)
     * @param predictedList  the predicted neuron indices (any order, no duplicates), the first {@code predictedCount} entries
     */
    public void record(int layer, boolean[] trueMask, int[] predictedList, int predictedCount) {
        checkLayer(layer);
        if (trueMask.length < ffn) throw new IllegalArgumentException("mask of " + trueMask.length + " for " + ffn + " neurons");
        if (predictedCount < 0 || predictedCount > ffn || predictedCount > predictedList.length) throw new IllegalArgumentException("predicted count " + predictedCount);
        long active = 0, hit = 0;
        for (int i = 0; i < ffn; i++) if (trueMask[i]) active++;
        for (int k = 0; k < predictedCount; k++) if (trueMask[predictedList[k]]) hit++;
        add(layer, active, predictedCount, hit);
    }

    /**
     * One token of one layer, both sets as ascending index lists.
     *
     * @param trueList      the truly active neuron indices, ascending, the first {@code trueCount} entries
     * @param predictedList the predicted neuron indices, ascending, the first {@code predictedCount} entries
     */
    public void record(int layer, int[] trueList, int trueCount, int[] predictedList, int predictedCount) {
        checkLayer(layer);
        if (trueCount < 0 || trueCount > ffn || trueCount > trueList.length) throw new IllegalArgumentException("true count " + trueCount);
        if (predictedCount < 0 || predictedCount > ffn || predictedCount > predictedList.length) throw new IllegalArgumentException("predicted count " + predictedCount);
        long hit = 0;
        int a = 0, b = 0;
        while (a < trueCount && b < predictedCount) { // merge of two ascending lists
            int x = trueList[a], y = predictedList[b];
            if (x == y) { hit++; a++; b++; }
            else if (x < y) a++;
            else b++;
        }
        add(layer, trueCount, predictedCount, hit);
    }

    /**
     * One token of one layer, its computed (predicted) count only: the neurons really active were not measured, so the
     * true active share and the recall stay undefined unless other tokens measured them.
     */
    public void recordComputed(int layer, int predictedCount) {
        checkLayer(layer);
        if (predictedCount < 0 || predictedCount > ffn) throw new IllegalArgumentException("predicted count " + predictedCount);
        tokens[layer]++;
        predicted[layer] += predictedCount;
    }

    private void add(int layer, long active, long pred, long hit) {
        tokens[layer]++;
        measured[layer]++;
        trueActive[layer] += active;
        predicted[layer] += pred;
        hits[layer] += hit;
    }

    public LayerSparsity layer(int layer) {
        checkLayer(layer);
        return summary(layer, tokens[layer], measured[layer], trueActive[layer], predicted[layer], hits[layer]);
    }

    public List<LayerSparsity> perLayer() {
        List<LayerSparsity> out = new ArrayList<>(tokens.length);
        for (int l = 0; l < tokens.length; l++) out.add(layer(l));
        return out;
    }

    /** All layers pooled; its {@code layer} is -1 and {@code tokens} counts token-layer pairs. */
    public LayerSparsity overall() {
        long t = 0, m = 0, a = 0, p = 0, h = 0;
        for (int l = 0; l < tokens.length; l++) {
            t += tokens[l];
            m += measured[l];
            a += trueActive[l];
            p += predicted[l];
            h += hits[l];
        }
        return summary(-1, t, m, a, p, h);
    }

    /** Shares of {@code t} tokens' neurons; the true share over the {@code m} of them that were measured. */
    private LayerSparsity summary(int layer, long t, long m, long active, long pred, long hit) {
        return new LayerSparsity(layer,
                m == 0 ? Double.NaN : active / ((double) m * ffn),
                t == 0 ? Double.NaN : pred / ((double) t * ffn),
                active == 0 ? Double.NaN : (double) hit / active,
                t);
    }

    public void reset() {
        java.util.Arrays.fill(tokens, 0);
        java.util.Arrays.fill(measured, 0);
        java.util.Arrays.fill(trueActive, 0);
        java.util.Arrays.fill(predicted, 0);
        java.util.Arrays.fill(hits, 0);
    }

    /** {@link #table(String)} of a predictor's selections: the column of selected neurons is headed "predicted". */
    public String table() {
        return table("predicted");
    }

    /**
     * A fixed-width table: one row per layer and a pooled "all" row; percentages, "-" where undefined. {@code selected}
     * heads the column of selected neurons (at most 9 characters): "predicted" for a predictor's picks, "computed" for a
     * mode that selects by other means (exact mode's gate-positive neurons, dense mode's all).
     */
    public String table(String selected) {
        if (selected.length() > 9) throw new IllegalArgumentException("column header '" + selected + "' is over 9 characters");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%5s  %11s  %9s  %7s  %8s%n", "layer", "true active", selected, "recall", "tokens"));
        for (LayerSparsity s : perLayer()) row(sb, Integer.toString(s.layer()), s);
        row(sb, "all", overall());
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, LayerSparsity s) {
        sb.append(String.format(Locale.ROOT, "%5s  %11s  %9s  %7s  %8d%n", label, pct(s.trueActive()), pct(s.predictedActive()), pct(s.recall()), s.tokens()));
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= tokens.length) throw new IllegalArgumentException("layer " + layer + " of " + tokens.length);
    }
}
