package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.forward.ParallelOps;
import dev.bamboo.runtime.forward.RowAccumulator;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The plain FFN: every neuron of gate, up and down. A transposed down projection ({@code ffn_down_t}) is read in the
 * layout for accumulating all its rows ({@link RowRunsCopies}), made up front when the heap holds that copy.
 */
public final class DenseFeedForward implements FeedForward {
    private final ModelWeights weights;
    private final ComputePool pool;
    private final FfnKind kind;
    private final float[][] gate;
    private final float[][] up;
    private final ActivationVector[] neurons;
    private final RowAccumulator down;
    /** {@code ffn_down_t} as the all-rows accumulation reads it fastest, made for every layer up front. */
    private final RowRunsCopies downT;
    /** {@code 0, 1, …, ffn-1}: the row list of the all-rows accumulation. */
    private final int[] allRows;

    /** Null unless the neurons that fire are recorded. */
    private final ActivationSink sink;
    private final boolean[] fired;

    public DenseFeedForward(ModelWeights weights, ComputePool pool, int maxBatch) {
        this(weights, pool, maxBatch, null);
    }

    /**
     * A dense FFN that hands {@code sink}, for every token, its residual and the neurons whose activation is not zero
     * (at no cost beyond the copy: the FFN computes every activation anyway).
     */
    public DenseFeedForward(ModelWeights weights, ComputePool pool, int maxBatch, ActivationSink sink) {
        this.sink = sink;
        this.fired = new boolean[sink == null ? 0 : weights.config().intermediateSize()];
        this.weights = weights;
        this.pool = pool;
        this.kind = weights.config().ffn();
        int ffn = weights.config().intermediateSize();
        this.gate = new float[maxBatch][ffn];
        this.up = new float[maxBatch][ffn];
        this.neurons = new ActivationVector[maxBatch];
        for (int t = 0; t < maxBatch; t++) neurons[t] = ActivationVector.of(new float[ffn]);
        this.down = new RowAccumulator(ffn, weights.config().hiddenSize());
        this.allRows = IntStream.range(0, ffn).toArray();
        List<LayerWeights> layers = weights.layers();
        this.downT = new RowRunsCopies(pool, layers.size());
        downT.makeAll(layers.stream().map(LayerWeights::ffnDownT).toList());
    }

    private void record(int layer, FfnBatch batch) {
        for (int t = 0; t < batch.count(); t++) {
            float[] a = neurons[t].values();
            for (int i = 0; i < fired.length; i++) fired[i] = a[i] != 0f;
            sink.record(layer, batch.residual()[t], fired);
        }
    }

    /** Memory taken by the copies of {@code ffn_down_t} laid out for accumulating all rows. */
    public long rowRunsBytes() {
        return downT.bytes();
    }

    @Override
    public void forward(int layer, FfnBatch batch) {
        LayerWeights w = weights.layers().get(layer);
        int n = batch.count();
        int ffn = weights.config().intermediateSize();
        ParallelOps.matmuls(pool, batch.input(), n, (from, to) -> {
            for (int t = 0; t < n; t++) {
                float[] a = neurons[t].values(), g = gate[t], u = up[t];
                for (int i = from; i < to; i++) a[i] = kind.combine(g[i], u[i]);
            }
        }, new ParallelOps.Product(w.ffnGate(), gate), new ParallelOps.Product(w.ffnUp(), up));
        for (int t = 0; t < n; t++) neurons[t].invalidate();
        if (sink != null) record(layer, batch);
        if (w.ffnDown() != null) {
            ParallelOps.matmul(pool, w.ffnDown(), neurons, batch.output(), n);
        } else {
            // PowerInfer files store only ffn_down_t: out[t] = Σ_i a[t][i] · down_t[i]
            if (n == 1) {
                down.accumulate(pool, downT.of(layer, w.ffnDownT()), allRows, neurons[0].values(), ffn, batch.output()[0]);
            } else {
                // every row read once for the whole batch
                for (int t = 0; t < n; t++) Arrays.fill(batch.output()[t], 0f);
                ParallelOps.accumulateAllRows(pool, downT.of(layer, w.ffnDownT()), allRows, neurons, batch.output(), n);
            }
        }
    }
}
