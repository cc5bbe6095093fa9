package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.forward.ParallelOps;
import dev.bamboo.runtime.forward.RowAccumulator;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;
import dev.bamboo.weights.tensor.Tensor;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The gather-based sparse FFN: per token, a set of active neurons; gate and up rows are read only for those neurons,
 * and the down projection accumulates {@code a_i · down_t[i]} over them only. Which neurons are active is decided by a
 * {@link NeuronSelector} (exact: positive gate; predicted: the activation predictor).
 *
 * <p>For a batch of prompt tokens the rows of the union of their active sets are read once and applied to every
 * token that selected them. One token of a repacked Q4_0 model may instead read each active neuron's rows as one run
 * ({@link BundledTokenFfn}, after {@link #bundleNeurons}): gate, up and down where the selector predicts, up and down
 * where it computed the gate (exact).
 *
 * <p>Two fallbacks read more than the active rows, each where it is faster: when a list covers more than a matrix's
 * {@link Tensor#gatherLimit} of its rows, a full product (or an accumulation over all rows) replaces the gather; and a
 * block-quantized {@code ffn_down} without {@code ffn_down_t}, which cannot be transposed exactly, runs as the dense
 * product over the mostly-zero activations. Either way only active neurons contribute, but the all-rows down
 * accumulation groups its terms differently from the gathered one, so the two round differently (for repacked Q4_0,
 * other terms share each factor-quantization block): which one a token takes depends on its count of active rows.
 */
public final class SparseFeedForward implements FeedForward {
    private final ModelWeights weights;
    private final ComputePool pool;
    private final NeuronSelector selector;
    private final FfnKind kind;
    private final int ffn;
    private final TransposedDown transposed;

    private final float[][] gate;
    /** Per token, the neuron values; zero outside the token's active set between calls. */
    private final float[][] neurons;
    private final ActivationVector[] neuronAct;
    private final int[][] active;
    private final int[] activeCount;
    private final boolean[][] member;
    private final int[] union;
    private final boolean[] inUnion;
    /** One token's down-projection terms (rows and coefficients, in union order) for {@link Tensor#axpyRows}. */
    private final int[] downRows;
    private final float[] downCoeffs;
    /** One token's neurons whose gate is not cut off, and their up values. */
    private final int[] upRows;
    private final float[] upValues;
    private final RowAccumulator downAccumulator;
    /** {@code ffn_down_t} laid out for accumulating all rows, for decode steps whose terms are too many to gather. */
    private final RowRunsCopies rowRuns;
    /** {@code 0, 1, …, ffn-1}: the row list of the all-rows accumulation. */
    private final int[] allRows;
    /** Neuron bundles for one token's gathers; null until {@link #bundleNeurons}. */
    private BundledTokenFfn bundled;

    public SparseFeedForward(ModelWeights weights, ComputePool pool, NeuronSelector selector, int maxBatch) {
        this.weights = weights;
        this.pool = pool;
        this.selector = selector;
        this.kind = weights.config().ffn();
        this.ffn = weights.config().intermediateSize();
        this.allRows = IntStream.range(0, ffn).toArray();
        this.transposed = new TransposedDown();
        transposed.prepare(weights.layers());
        gate = new float[maxBatch][ffn];
        neurons = new float[maxBatch][ffn];
        neuronAct = new ActivationVector[maxBatch];
        for (int t = 0; t < maxBatch; t++) neuronAct[t] = ActivationVector.of(neurons[t]);
        active = new int[maxBatch][ffn];
        activeCount = new int[maxBatch];
        member = new boolean[maxBatch][ffn];
        union = new int[ffn];
        inUnion = new boolean[ffn];
        downRows = new int[ffn];
        downCoeffs = new float[ffn];
        upRows = new int[ffn];
        upValues = new float[ffn];
        downAccumulator = new RowAccumulator(ffn, weights.config().hiddenSize());
        rowRuns = new RowRunsCopies(pool, weights.layers().size());
    }

    /**
     * Neuron bundles of this FFN's layers ({@link #bundleNeurons}), copied beside their repacked matrices as far as the
     * heap has room for them and still {@code reserve} bytes more; null for layers that have none.
     */
    public static Q4_0NeuronBundles[] neuronBundles(ModelWeights weights, ComputePool pool, long reserve) {
        return BundledTokenFfn.bundle(weights.layers(), pool, reserve);
    }

    /**
     * Runs single tokens over {@code bundles} ({@link #neuronBundles} of the same weights, or the bundles the weights'
     * FFN matrices are parts of; see {@link BundledTokenFfn}
     * for which lists go there). Call before the first {@link #forward}.
     * Returns the memory the bundles take (0 where no layer has them).
     */
    public long bundleNeurons(Q4_0NeuronBundles[] bundles) {
        if (bundles.length != weights.layers().size()) throw new IllegalArgumentException(bundles.length + " layers of bundles for " + weights.layers().size());
        bundled = new BundledTokenFfn(bundles, kind);
        return bundled.bytes();
    }

    /** Memory taken by down projections transposed at load (models without {@code ffn_down_t} in a float type). */
    public long transposedBytes() {
        return transposed.bytes();
    }

    @Override
    public void forward(int layer, FfnBatch batch) {
        LayerWeights w = weights.layers().get(layer);
        int n = batch.count();
        ActivationVector[] x = batch.input();
        Arrays.fill(activeCount, 0, n, 0);
        try {
            boolean gateKnown = selector.select(layer, batch, gate, active, activeCount);
            int unionCount = buildUnion(n);
            Tensor gateW = w.ffnGate(), upW = w.ffnUp();
            for (int t = 0; t < n; t++) x[t].prepareFor(gateW).prepareFor(upW);
            if (n == 1 && bundled != null && bundled.runs(layer, activeCount[0], gateKnown, upW.gatherLimit())) {
                bundled.forward(pool, layer, active[0], activeCount[0], gateKnown, x[0], gate[0], upValues, neurons[0], batch.output()[0]);
                return;
            }
            if (n == 1) {
                gatherOneToken(gateW, upW, x[0], gateKnown);
            } else {
                gatherBatch(gateW, upW, x, n, unionCount, gateKnown);
            }
            down(layer, w, n, unionCount, batch.output());
        } finally {
            // the next call relies on these being clear, even after a call that failed half way
            clearScratch(n);
        }
    }

    /** Clears what a call set, by the active lists alone: the union is made of them, and may be half built. */
    private void clearScratch(int n) {
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < activeCount[t]; c++) {
                int i = active[t][c];
                if (i < 0 || i >= ffn) continue;
                member[t][i] = false;
                neurons[t][i] = 0f;
                inUnion[i] = false;
            }
        }
    }

    /**
     * One token: gate rows of the active neurons (unless the selector already computed the gate), then up rows of
     * those whose gate is not cut off. When the list is short enough to gather, each thread does both for its share of
     * the list in one call (one wait on the pool instead of two); above the matrices' {@link Tensor#gatherLimit} each
     * is a full product. Either way every row gets the same kernel's result.
     */
    private void gatherOneToken(Tensor gateW, Tensor upW, ActivationVector x, boolean gateKnown) {
        int[] rows = active[0];
        int count = activeCount[0];
        float[] g = gate[0], h = neurons[0];
        if (!gateKnown && count <= Math.min(gateW.gatherLimit(), upW.gatherLimit()) * ffn) {
            pool.forRange(count, 16, count * (gateW.rowBytes() + upW.rowBytes()), (from, to) -> {
                gateW.dotRows(rows, from, to, x, g);
                // this range's uncut neurons go to the same range of upRows; other ranges write elsewhere
                int end = from;
                for (int c = from; c < to; c++) if (!kind.cutsOff(g[rows[c]])) upRows[end++] = rows[c];
                upW.dotRows(upRows, from, end, x, upValues);
                for (int c = from; c < end; c++) h[upRows[c]] = kind.combine(g[upRows[c]], upValues[upRows[c]]);
            });
            return;
        }
        if (!gateKnown) rows(gateW, rows, count, x, g);
        int upCount = 0;
        for (int c = 0; c < count; c++) {
            int i = rows[c];
            if (!kind.cutsOff(g[i])) upRows[upCount++] = i;
        }
        rows(upW, upRows, upCount, x, upValues);
        for (int c = 0; c < upCount; c++) {
            int i = upRows[c];
            h[i] = kind.combine(g[i], upValues[i]);
        }
    }

    /**
     * {@code out[i] = w[i] · x} for the {@code count} listed rows: gathered, or, when the list covers more than
     * {@code w}'s {@link Tensor#gatherLimit} of the rows, as a full product (a gathered row is a short stream the
     * memory system prefetches poorly). Either way each listed row gets the same kernel's result.
     */
    private void rows(Tensor w, int[] list, int count, ActivationVector x, float[] out) {
        if (count > w.gatherLimit() * ffn) {
            pool.forRange(ffn, 16, ffn * w.rowBytes(), (from, to) -> w.matvec(x, out, from, to));
        } else {
            pool.forRange(count, 16, count * w.rowBytes(), (from, to) -> w.dotRows(list, from, to, x, out));
        }
    }

    /**
     * Prompt tokens: the rows of the union of their active sets, each read once for every token that selected it;
     * gate for all of them first, then up where the gate is not cut off.
     */
    private void gatherBatch(Tensor gateW, Tensor upW, ActivationVector[] x, int n, int unionCount, boolean gateKnown) {
        if (!gateKnown) {
            pool.forRange(unionCount, 16, unionCount * gateW.rowBytes() * n, (from, to) -> {
                for (int k = from; k < to; k++) {
                    int i = union[k];
                    for (int t = 0; t < n; t++) if (member[t][i]) gate[t][i] = gateW.dot(i, x[t]);
                }
            });
        }
        pool.forRange(unionCount, 16, unionCount * upW.rowBytes() * n, (from, to) -> {
            for (int k = from; k < to; k++) {
                int i = union[k];
                for (int t = 0; t < n; t++) {
                    if (!member[t][i]) continue;
                    float g = gate[t][i];
                    neurons[t][i] = kind.cutsOff(g) ? 0f : kind.combine(g, upW.dot(i, x[t]));
                }
            }
        });
    }

    private int buildUnion(int n) {
        int count = 0;
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < activeCount[t]; c++) {
                int i = active[t][c];
                member[t][i] = true;
                if (!inUnion[i]) {
                    inUnion[i] = true;
                    union[count++] = i;
                }
            }
        }
        if (n > 1) Arrays.sort(union, 0, count);
        return count;
    }

    private void down(int layer, LayerWeights w, int n, int unionCount, float[][] out) {
        Tensor downT = w.ffnDownT() != null ? w.ffnDownT() : transposed.of(w);
        if (downT != null) {
            for (int t = 0; t < n; t++) Arrays.fill(out[t], 0f);
            if (n == 1) {
                // one token: the rows in the same order, several per pass over the output slice (bitwise the same sums)
                int terms = 0;
                for (int k = 0; k < unionCount; k++) {
                    int i = union[k];
                    if (member[0][i] && neurons[0][i] != 0f) {
                        downRows[terms] = i;
                        downCoeffs[terms++] = neurons[0][i];
                    }
                }
                if (terms > downT.gatherLimit() * ffn) {
                    // dense enough that streaming every row beats gathering; the zero terms add exactly nothing
                    downAccumulator.accumulate(pool, rowRuns.of(layer, downT), allRows, neurons[0], ffn, out[0]);
                } else {
                    downAccumulator.accumulate(pool, downT, downRows, downCoeffs, terms, out[0]);
                }
                return;
            }
            // neurons[t] is zero outside token t's active set: those terms are skipped
            // (a batch reads its union by column ranges, which the row-run copy does not speed up: measured, pp32)
            pool.forRange(downT.cols(), ParallelOps.COLUMN_ALIGN, unionCount * downT.rowBytes() * n,
                    (from, to) -> downT.accumulateRows(union, unionCount, neurons, n, out, from, to));
        } else {
            // Block-quantized rows cannot be transposed exactly. A sparse column gather would still touch nearly every
            // block (at 15% density a block of 32 neurons is all-zero 0.5% of the time), so the dense kernel over the
            // mostly-zero activations reads the same bytes and is the fastest gather there is.
            for (int t = 0; t < n; t++) neuronAct[t].invalidate();
            ParallelOps.matmul(pool, w.ffnDown(), neuronAct, out, n);
        }
    }
}
