package dev.bamboo.bench.jmh;

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
 * One decode step of a Bamboo-7B FFN layer (hidden 4096, FFN 14336, dReLU) through the runtime's
 * {@link SparseFeedForward}, with a fixed random list of {@code activePercent}% of the neurons selected. Weights and
 * input are positive, except the gate rows of a random {@code 100 − precisionPercent}% of the neurons and the up rows
 * of a random {@code 100 − upPercent}%, which are negated: at the defaults (100) every selected neuron is truly active
 * (gate and up rows read, down_t row accumulated), as for a predictor whose predictions are all correct; below them some
 * selected neurons are zero, with a negative gate (their up and down rows need no reading) or a negative up (their down
 * row needs none), as for a trained predictor, which selects more neurons than fire (the demo model's: 24 % selected,
 * 13 % active). Compare with {@link DenseFfnBenchmark}.
 * Memory: gate, up and down_t, 3 × 117 MB in F16, 3 × 33 MB in Q4_0 (twice that with {@code bundled}).
 */
public class SparseFfnBenchmark extends OneTokenBenchmark {
    @Param({"F16", "Q4_0"})
    public String type;

    @Param({"100", "50", "25", "15", "10", "5"})
    public int activePercent;

    /** Share of the neurons, selected ones included, whose gate is positive for the input. */
    @Param({"100"})
    public int precisionPercent;

    /** Share of the neurons whose up projection is positive for the input (dReLU: the others are zero). */
    @Param({"100"})
    public int upPercent;

    @Param({"1"})
    public int threads;

    /** Q4_0 only: each neuron's gate, up and down_t rows read as one run (what predicted decode does). */
    @Param({"false"})
    public boolean bundled;

    private Arena arena;
    private ComputePool pool;
    private SparseFeedForward ffn;
    private FfnBatch batch;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        GGMLType t = GGMLType.valueOf(type);
        int h = BAMBOO_7B_HIDDEN, f = BAMBOO_7B_FFN;
        Tensor gate = FfnLayerFixture.gate(t, f, h, precisionPercent, arena);
        Tensor up = FfnLayerFixture.up(t, f, h, upPercent, arena);
        Tensor downT = FfnLayerFixture.positive("ffn_down_t", t, f, h, 13, arena);
        ModelConfig c = FfnLayerFixture.config(h, f, 32, 8, 32, 16);
        ModelWeights w = FfnLayerFixture.weights(c, GGMLType.F32, gate, up, null, downT, arena);
        pool = new ComputePool(threads);
        ffn = new SparseFeedForward(w, pool, new FixedNeuronSelector(f, activePercent / 100.0, 42), 1);
        if (bundled) ffn.bundleNeurons(SparseFeedForward.neuronBundles(w, pool, 0));
        float[] x = FfnLayerFixture.positiveInput(h, 5);
        batch = new FfnBatch(1, new ActivationVector[] {ActivationVector.of(x)}, new float[][] {x.clone()}, new float[1][h]);
    }

    @Benchmark
    public float[] sparse() {
        batch.input()[0].invalidate(); // a new token's activations are quantized once per layer, as in decode
        ffn.forward(0, batch);
        return batch.output()[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }
}
