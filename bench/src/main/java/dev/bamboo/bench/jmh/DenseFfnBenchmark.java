package dev.bamboo.bench.jmh;

import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.runtime.ffn.ExactSelector;
import dev.bamboo.runtime.ffn.FfnBatch;
import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;

import static dev.bamboo.bench.jmh.FfnLayerFixture.BAMBOO_7B_FFN;
import static dev.bamboo.bench.jmh.FfnLayerFixture.BAMBOO_7B_HIDDEN;

/**
 * The references for {@link SparseFfnBenchmark}, on the same Bamboo-7B layer shape: the dense FFN (every neuron,
 * down projection as [hidden, ffn]) and {@code exact} sparsity (full gate projection, then up and down_t only for
 * neurons with a positive gate). Gate rows are negated for a random {@code 100 − truePercent}% of the neurons, so
 * exactly {@code truePercent}% pass their gate for the positive input, and up rows for a random {@code 100 −
 * upPercent}% (all of them truly active at the default 100).
 * Memory: gate, up, down and down_t, 4 × 117 MB in F16 (and the bundles' 3 × 33 MB with {@code bundled}, Q4_0).
 */
public class DenseFfnBenchmark extends OneTokenBenchmark {
    @Param({"F16", "Q4_0"})
    public String type;

    @Param({"50"})
    public int truePercent;

    /**
     * Share of the gate-positive neurons whose up projection is positive too (dReLU: the rest contribute zero, so
     * exact mode accumulates no down row for them). Trained dReLU models have about half: the demo model computes 31 %
     * of its neurons in exact mode, of which 14 % are truly active.
     */
    @Param({"100"})
    public int upPercent;

    @Param({"1"})
    public int threads;

    /** Q4_0 only: exact reads each gate-positive neuron's up and down_t rows as one run of its bundle (as exact decode does). */
    @Param({"false"})
    public boolean bundled;

    private Arena arena;
    private ComputePool pool;
    private DenseFeedForward dense;
    private SparseFeedForward exact;
    private FfnBatch batch;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        GGMLType t = GGMLType.valueOf(type);
        int h = BAMBOO_7B_HIDDEN, f = BAMBOO_7B_FFN;
        Tensor gate = FfnLayerFixture.gate(t, f, h, truePercent, arena);
        Tensor up = FfnLayerFixture.up(t, f, h, upPercent, arena);
        Tensor down = FfnLayerFixture.positive("ffn_down", t, h, f, 14, arena);
        Tensor downT = FfnLayerFixture.positive("ffn_down_t", t, f, h, 13, arena);
        ModelConfig c = FfnLayerFixture.config(h, f, 32, 8, 32, 16);
        ModelWeights w = FfnLayerFixture.weights(c, GGMLType.F32, gate, up, down, downT, arena);
        pool = new ComputePool(threads);
        dense = new DenseFeedForward(w, pool, 1);
        exact = new SparseFeedForward(w, pool, new ExactSelector(w, pool), 1);
        if (bundled) exact.bundleNeurons(SparseFeedForward.neuronBundles(w, pool, 0));
        float[] x = FfnLayerFixture.positiveInput(h, 5);
        batch = new FfnBatch(1, new ActivationVector[] {ActivationVector.of(x)}, new float[][] {x.clone()}, new float[1][h]);
    }

    @Benchmark
    public float[] dense() {
        batch.input()[0].invalidate();
        dense.forward(0, batch);
        return batch.output()[0];
    }

    @Benchmark
    public float[] exact() {
        batch.input()[0].invalidate();
        exact.forward(0, batch);
        return batch.output()[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }
}
