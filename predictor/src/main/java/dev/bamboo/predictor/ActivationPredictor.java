package dev.bamboo.predictor;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.FloatArrays;
import dev.bamboo.weights.tensor.Tensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Predicts which FFN neurons of a layer will be active: {@code score = fc2 · relu(fc1 · h)}, where {@code h} is the
 * residual stream after attention and before the FFN RMSNorm, and neuron {@code i} runs when
 * {@code score[i] >= threshold} (PowerInfer's rule). Both products use the tensors' own kernels, so any weight type
 * works; for quantized fc1/fc2 the activations are quantized by {@link ActivationVector}, as llama.cpp does.
 *
 * <p>Rows are split over the {@link ComputePool}; every row is computed by one thread in a fixed order, so results
 * do not depend on the thread count. Scratch buffers are reused between calls: an instance serves one forward pass
 * at a time (it is not safe for concurrent calls). Batch scratch grows to the largest batch seen and is then reused.
 */
public final class ActivationPredictor {
    /** Rows per work unit: tiny ranks stay on one thread, large ones split evenly. */
    private static final int ROW_ALIGN = 16;

    private final PredictorWeights weights;
    private final ComputePool pool;
    private final float threshold;
    private final int hidden;
    private final int ffn;

    // single-token scratch
    private final ActivationVector h;
    private final ActivationVector[] mid; // per layer: the rank differs
    private final float[] scores;

    // batch scratch, grown on demand; the n-sized arrays handed to the kernels are views of these
    private int batchCapacity;
    private ActivationVector[] batchH = new ActivationVector[0];
    private final int[] rankSlot; // layer -> index into batchMids; layers of equal rank share scratch
    private final ActivationVector[][] batchMids;
    private float[][] batchScores = new float[0][];

    public ActivationPredictor(PredictorWeights weights, ComputePool pool) {
        this(weights, pool, weights.threshold());
    }

    /** With a threshold other than the one the predictor files carry (e.g. a command-line override). */
    public ActivationPredictor(PredictorWeights weights, ComputePool pool, float threshold) {
        if (weights.layers().isEmpty()) throw new BambooException("predictor " + weights.source() + " has no layers; use a complete predictor");
        if (!Float.isFinite(threshold)) throw new BambooException("predictor threshold " + threshold + " is not a finite number; pass a number such as 0");
        this.weights = weights;
        this.pool = pool;
        this.threshold = threshold;
        PredictorLayer first = weights.layers().getFirst();
        this.hidden = first.fc1().cols();
        this.ffn = Math.toIntExact(first.fc2().rows());
        this.mid = new ActivationVector[weights.layers().size()];
        for (int l = 0; l < mid.length; l++) {
            PredictorLayer p = weights.layers().get(l);
            checkLayer(l, p);
            mid[l] = new ActivationVector(new float[p.rank()], p.rank());
        }
        this.rankSlot = new int[mid.length];
        Map<Integer, Integer> slots = new HashMap<>();
        for (int l = 0; l < mid.length; l++) rankSlot[l] = slots.computeIfAbsent(mid[l].length(), r -> slots.size());
        this.batchMids = new ActivationVector[slots.size()][0];
        this.h = new ActivationVector(new float[hidden], hidden);
        this.scores = new float[ffn];
    }

    private void checkLayer(int l, PredictorLayer p) {
        String where = "predictor " + weights.source() + " layer " + l + ": ";
        if (p.fc1().cols() != hidden) {
            throw new BambooException(where + "fc1 has " + p.fc1().cols() + " columns but layer 0's has " + hidden + "; the layers come from different predictors, use one consistent predictor");
        }
        if (p.fc2().rows() != ffn) {
            throw new BambooException(where + "fc2 has " + p.fc2().rows() + " rows but layer 0's has " + ffn + "; the layers come from different predictors, use one consistent predictor");
        }
        if (p.rank() < 1 || p.fc2().cols() != p.rank()) {
            throw new BambooException(where + "fc2 has " + p.fc2().cols() + " columns but fc1 has rank " + p.fc1().rows() + "; re-export this layer's predictor");
        }
    }

    public PredictorWeights weights() { return weights; }

    public float threshold() { return threshold; }

    public int layers() { return mid.length; }

    /** Length of {@code h}: the model's hidden size. */
    public int hidden() { return hidden; }

    /** Number of FFN neurons scored per layer. */
    public int ffn() { return ffn; }

    /** Writes the {@link #ffn()} scores of layer {@code layer} for residual {@code hIn} into {@code scoresOut}. */
    public void scores(int layer, float[] hIn, float[] scoresOut) {
        checkCall(layer, hIn, scoresOut.length, "scoresOut");
        PredictorLayer p = weights.layers().get(layer);
        System.arraycopy(hIn, 0, h.values(), 0, hidden);
        h.invalidate();
        ActivationVector m = mid[layer];
        float[] mv = m.values();
        Tensor fc1 = p.fc1(), fc2 = p.fc2();
        h.prepareFor(fc1);
        pool.forRange(mv.length, ROW_ALIGN, fc1.rows() * fc1.rowBytes(), (from, to) -> fc1.matvec(h, mv, from, to));
        relu(mv);
        m.invalidate();
        m.prepareFor(fc2);
        pool.forRange(ffn, ROW_ALIGN, fc2.rows() * fc2.rowBytes(), (from, to) -> fc2.matvec(m, scoresOut, from, to));
    }

    /**
     * Predicts layer {@code layer}'s active neurons for residual {@code hIn}: writes their indices in ascending order
     * to {@code activeOut} (length at least {@link #ffn()}) and returns how many there are.
     */
    public int predict(int layer, float[] hIn, int[] activeOut) {
        checkCall(layer, hIn, activeOut.length, "activeOut");
        scores(layer, hIn, scores);
        return selectNumbers(layer, hIn, scores, activeOut);
    }

    /** Scores for {@code n} tokens at once: each weight row is read once for the whole batch ({@code matmul}). */
    public void scoresBatch(int layer, float[][] hs, int n, float[][] scoresOut) {
        if (n < 0 || n > hs.length || n > scoresOut.length) throw new IllegalArgumentException("batch of " + n + " with " + hs.length + " inputs and " + scoresOut.length + " outputs");
        if (n == 0) return;
        for (int t = 0; t < n; t++) checkCall(layer, hs[t], scoresOut[t].length, "scoresOut[" + t + "]");
        PredictorLayer p = weights.layers().get(layer);
        int rank = p.rank();
        ensureBatch(n);
        ActivationVector[] xs = batchView(batchH, n);
        for (int t = 0; t < n; t++) {
            System.arraycopy(hs[t], 0, xs[t].values(), 0, hidden);
            xs[t].invalidate();
            xs[t].prepareFor(p.fc1());
        }
        ActivationVector[] mids = batchView(batchMids(layer, n), n);
        float[][] midValues = new float[n][];
        for (int t = 0; t < n; t++) midValues[t] = mids[t].values();
        Tensor fc1 = p.fc1(), fc2 = p.fc2();
        pool.forRange(rank, ROW_ALIGN, fc1.rows() * fc1.rowBytes() * n, (from, to) -> fc1.matmul(xs, midValues, from, to));
        for (int t = 0; t < n; t++) {
            relu(midValues[t]);
            mids[t].invalidate();
            mids[t].prepareFor(fc2);
        }
        float[][] outs = n == scoresOut.length ? scoresOut : Arrays.copyOf(scoresOut, n);
        pool.forRange(ffn, ROW_ALIGN, fc2.rows() * fc2.rowBytes() * n, (from, to) -> fc2.matmul(mids, outs, from, to));
    }

    /** {@link #predict} for {@code hs.length} tokens. */
    public void predictBatch(int layer, float[][] hs, int[][] activeOuts, int[] counts) {
        predictBatch(layer, hs, hs.length, activeOuts, counts);
    }

    /** {@link #predict} for the first {@code n} tokens of {@code hs}: token t's active list goes to {@code activeOuts[t]}, its size to {@code counts[t]}. */
    public void predictBatch(int layer, float[][] hs, int n, int[][] activeOuts, int[] counts) {
        if (n > activeOuts.length || n > counts.length) throw new IllegalArgumentException("batch of " + n + " with " + activeOuts.length + " outputs");
        for (int t = 0; t < n; t++) {
            if (activeOuts[t].length < ffn) throw new IllegalArgumentException("activeOuts[" + t + "] holds " + activeOuts[t].length + " indices, needs " + ffn);
        }
        ensureBatch(n);
        scoresBatch(layer, hs, n, batchScores.length == n ? batchScores : Arrays.copyOf(batchScores, n));
        for (int t = 0; t < n; t++) counts[t] = selectNumbers(layer, hs[t], batchScores[t], activeOuts[t]);
    }

    /**
     * {@link #select} over the scores of residual {@code h}, which must all be numbers: a NaN score (which no threshold
     * would select) comes from NaN weights, the model's (then {@code h} is not finite already) or the predictor's, and
     * an error names them rather than leave neurons silently out.
     */
    private int selectNumbers(int layer, float[] h, float[] scores, int[] activeOut) {
        for (int i = 0; i < ffn; i++) {
            if (!Float.isNaN(scores[i])) continue;
            for (int j = 0; j < hidden; j++) {
                if (!Float.isFinite(h[j])) {
                    throw new BambooException("the residual stream entering layer " + layer + "'s FFN is not finite (value " + j + ": " + h[j]
                            + "): the model's weights are corrupt or overflow a float; check or convert the model file again");
                }
            }
            throw new BambooException("the predictor's score of neuron " + i + " of layer " + layer + " is NaN: its weights (" + weights.source()
                    + ") are corrupt; convert or download the predictor again, or run without it (--sparsity exact, and no --stats, which runs it beside)");
        }
        return select(scores, ffn, threshold, activeOut);
    }

    /** Writes the ascending indices {@code i < n} with {@code scores[i] >= threshold} to {@code activeOut}; returns their count. */
    public static int select(float[] scores, int n, float threshold, int[] activeOut) {
        return FloatArrays.indicesAtLeast(scores, n, threshold, activeOut);
    }

    /** ReLU as IEEE arithmetic has it: a NaN stays NaN (so that corrupt weights show in the scores). */
    private static void relu(float[] v) {
        for (int i = 0; i < v.length; i++) v[i] = v[i] <= 0f ? 0f : v[i];
    }

    private void ensureBatch(int n) {
        if (n <= batchCapacity) return;
        ActivationVector[] hsNew = Arrays.copyOf(batchH, n);
        float[][] scoresNew = Arrays.copyOf(batchScores, n);
        for (int t = batchCapacity; t < n; t++) {
            hsNew[t] = new ActivationVector(new float[hidden], hidden);
            scoresNew[t] = new float[ffn];
        }
        batchH = hsNew;
        batchScores = scoresNew;
        batchCapacity = n;
    }

    /** At least {@code n} scratch vectors of the layer's rank. */
    private ActivationVector[] batchMids(int layer, int n) {
        int slot = rankSlot[layer], rank = mid[layer].length();
        ActivationVector[] have = batchMids[slot];
        if (have.length >= n) return have;
        ActivationVector[] grown = Arrays.copyOf(have, n);
        for (int t = have.length; t < n; t++) grown[t] = new ActivationVector(new float[rank], rank);
        batchMids[slot] = grown;
        return grown;
    }

    /** The first {@code n} entries as an array of exactly {@code n} (the kernels take the batch size from the array length). */
    private static ActivationVector[] batchView(ActivationVector[] all, int n) {
        return all.length == n ? all : Arrays.copyOf(all, n);
    }

    private void checkCall(int layer, float[] hIn, int outLength, String out) {
        if (layer < 0 || layer >= mid.length) throw new IllegalArgumentException("layer " + layer + " of " + mid.length);
        if (hIn.length < hidden) throw new IllegalArgumentException("h has " + hIn.length + " values, the predictor needs " + hidden);
        if (outLength < ffn) throw new IllegalArgumentException(out + " holds " + outLength + " values, needs " + ffn);
    }
}
