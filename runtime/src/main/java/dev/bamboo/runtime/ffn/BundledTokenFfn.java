package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.forward.HeapRoom;
import dev.bamboo.runtime.forward.VectorMath;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;
import dev.bamboo.weights.tensor.Tensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.bamboo.weights.tensor.Q4_0NeuronBundles.Part.DOWN;
import static dev.bamboo.weights.tensor.Q4_0NeuronBundles.Part.GATE;
import static dev.bamboo.weights.tensor.Q4_0NeuronBundles.Part.UP;

/**
 * One token's gather-based FFN over {@link Q4_0NeuronBundles}, for the sparse decode steps of repacked Q4_0 models:
 * per listed neuron, the gate row (unless the selector computed the gate, as exact mode does), the up row (unless the
 * gate is cut off) and the {@code ffn_down_t} row (unless the neuron's value is zero) are read from one run. The list is
 * cut into {@link #PARTS} equal parts, each computed whole by one thread in blocks of {@link #BLOCK} neurons, and the
 * part sums added in part order, so results do not depend on the thread count. Gate and up products are bitwise those
 * of the separate matrices; the down terms are quantized in blocks taken in part order, so the sums round a little
 * differently from {@link dev.bamboo.runtime.forward.RowAccumulator}'s over the same terms.
 *
 * <p>A block computes from cache lines touched beforehand ({@link Q4_0NeuronBundles#touch}), and only the parts it
 * reads are touched: the gate parts of the list, the up parts of neurons whose gate passes (with their down parts,
 * unless the FFN is dReLU), for dReLU the down parts of neurons whose up passes too. A trained predictor selects more
 * neurons than fire (the demo model's: 24 % selected, 13 % active): one Bamboo-7B Q4_0 layer with 15 % of its neurons
 * selected, half of them cut off by the gate and half of the rest by the up projection, ran in 0.78–0.83 of the time it
 * took when whole bundles were touched (bench/HISTORY.md, Q4_0, "Twenty-second session").
 *
 * <p>Bundles are made once per model and kept by the engine's {@code CpuWeights}: for a model first made for predicted
 * decode they are the FFN matrices, whose tensors are parts of the bundles ({@code Q4_0NeuronBundles#part}); otherwise
 * a copy beside the matrices ({@link #bundle}), where the heap has room. Prompt batches, and tokens whose list is too
 * long ({@link #runs}), use the matrices; a layer without bundles runs the matrices alone.
 */
final class BundledTokenFfn {
    /**
     * Fixed, as {@code RowAccumulator}'s parts: a part's neurons (and its rounding) are the same for any thread count.
     * It caps a token's FFN at 8 threads.
     */
    static final int PARTS = 8;
    /** Bundles touched, then computed, at a time: 16 Bamboo-7B bundles are 110 KB, which stay in L2 until used. */
    static final int BLOCK = 16;

    private final FfnKind kind;
    private final Q4_0NeuronBundles[] bundles;
    private final long bytes;
    private final Q4_0NeuronBundles.DownSums[] sums = new Q4_0NeuronBundles.DownSums[PARTS];
    private final float[][] partOut = new float[PARTS][];
    private final int[][] upRows = new int[PARTS][BLOCK];
    /** Per part, nonzero terms waiting for {@link Q4_0NeuronBundles#addDown}: at most a flush's worth plus one block. */
    private final int[][] terms = new int[PARTS][Q4_0NeuronBundles.TERMS + BLOCK];
    private final float[][] coeffs = new float[PARTS][Q4_0NeuronBundles.TERMS + BLOCK];

    /**
     * Bundles for the layers of {@code layers} that can be bundled, as far as the heap has room for them and still
     * {@code reserve} bytes more ({@link HeapRoom}); null for the others.
     */
    static Q4_0NeuronBundles[] bundle(List<LayerWeights> layers, ComputePool pool, long reserve) {
        Q4_0NeuronBundles[] made = new Q4_0NeuronBundles[layers.size()];
        long wanted = 0;
        for (LayerWeights w : layers) if (bundleable(w)) wanted += heap(w);
        long free = HeapRoom.freeAtLoad(wanted + reserve); // collects once if short
        List<Integer> chosen = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            LayerWeights w = layers.get(l);
            if (bundleable(w) && heap(w) + reserve <= free) {
                chosen.add(l);
                free -= heap(w);
            }
        }
        pool.forEach(chosen.size(), k -> {
            LayerWeights w = layers.get(chosen.get(k));
            made[chosen.get(k)] = Q4_0NeuronBundles.of(w.ffnGate(), w.ffnUp(), w.ffnDownT(), pool);
        });
        return made;
    }

    /** The heap a layer's bundles take, quants and scales. */
    private static long heap(LayerWeights w) {
        return HeapRoom.arrays(Q4_0NeuronBundles.arrays(w.ffnGate()));
    }

    /** Repacked matrices only: weights left in the file's layout had no heap to be repacked into. */
    private static boolean bundleable(LayerWeights w) {
        return Tensors.packed(w.ffnGate()) && Q4_0NeuronBundles.bundleable(w.ffnGate(), w.ffnUp(), w.ffnDownT());
    }

    /** Over {@code bundles}, one per layer (null where a layer has none). */
    BundledTokenFfn(Q4_0NeuronBundles[] bundles, FfnKind kind) {
        this.kind = kind;
        this.bundles = bundles;
        long made = 0;
        int hidden = 0;
        for (Q4_0NeuronBundles b : bundles) {
            if (b == null) continue;
            made += b.bytes();
            hidden = b.hidden();
        }
        this.bytes = made;
        for (int p = 0; p < PARTS && made > 0; p++) {
            sums[p] = Q4_0NeuronBundles.downSums(hidden);
            partOut[p] = new float[hidden];
        }
    }

    /** Memory the bundles take. */
    long bytes() {
        return bytes;
    }

    /**
     * Share of a layer's neurons up to which a list whose gate is known goes through the bundles. Exact mode reads the
     * up and down parts of its gate-positive neurons, ~4.6 KB runs on Bamboo-7B, which gather better than the
     * matrices' separate 2.3 KB rows: one Bamboo-7B Q4_0 layer, 2 threads, µs per token against the matrices' path
     * (which streams whole matrices above their gather limit, 40 %): 1910 / 2542 at 15 % of the gates positive, 3549 /
     * 5067 at 50 %, 3892 / 4613 at 65 %, 4822 / 4748 at 80 % (bench/HISTORY.md, Q4_0, "Sixteenth
     * session").
     */
    static final double KNOWN_GATE_LIMIT = 0.7;

    /**
     * Whether one token's list of {@code count} neurons of layer {@code layer} goes through the bundles: where the layer
     * has them, and the list is short enough that reading its bundles beats the matrices' path: up to the up matrix's
     * {@code gatherLimit} when the bundles compute the gate too (predicted), up to {@link #KNOWN_GATE_LIMIT} when the
     * selector computed it; any length where the up matrix is a part of the bundles, which gather faster than they
     * multiply whole.
     */
    boolean runs(int layer, int count, boolean gateKnown, double gatherLimit) {
        Q4_0NeuronBundles b = bundles[layer];
        return b != null && count <= (gateKnown ? Math.max(KNOWN_GATE_LIMIT, gatherLimit) : gatherLimit) * b.neurons();
    }

    /**
     * The FFN of one token over its {@code count} active neurons {@code rows}: {@code gate[i]} (computed here unless
     * {@code gateKnown}: then read) and {@code neurons[i]} (the activation, zero where cut off) for each, {@code up[i]}
     * where the gate is not cut off, and {@code out} the down projection.
     */
    void forward(ComputePool pool, int layer, int[] rows, int count, boolean gateKnown, ActivationVector x, float[] gate,
                 float[] up, float[] neurons, float[] out) {
        Q4_0NeuronBundles b = bundles[layer];
        pool.forRange(PARTS, 1, (long) count * b.bytes() / b.neurons(), (from, to) -> {
            for (int p = from; p < to; p++) {
                part(b, p, rows, (int) ((long) count * p / PARTS), (int) ((long) count * (p + 1) / PARTS), gateKnown, x, gate, up, neurons);
            }
        });
        Arrays.fill(out, 0, b.hidden(), 0f);
        for (float[] part : partOut) VectorMath.addInPlace(out, part, b.hidden());
    }

    private void part(Q4_0NeuronBundles b, int p, int[] rows, int start, int end, boolean gateKnown, ActivationVector x,
                      float[] gate, float[] up, float[] neurons) {
        Q4_0NeuronBundles.DownSums s = sums[p];
        int[] ups = upRows[p], pending = terms[p];
        float[] pendingCoeffs = coeffs[p];
        s.reset();
        int waiting = 0;
        if (!gateKnown) b.touch(GATE, GATE, rows, start, Math.min(end, start + BLOCK));
        for (int k0 = start; k0 < end; k0 += BLOCK) {
            int k1 = Math.min(end, k0 + BLOCK);
            if (!gateKnown) b.gate(rows, k0, k1, x, gate);
            int n = 0;
            for (int k = k0; k < k1; k++) {
                if (!kind.cutsOff(gate[rows[k]])) ups[n++] = rows[k];
            }
            // the up parts this block reads next (and down parts, where every neuron with a passing gate is active) go
            // in flight together with the next block's gate parts
            b.touch(UP, kind.cutsUp() ? UP : DOWN, ups, 0, n);
            if (!gateKnown && k1 < end) b.touch(GATE, GATE, rows, k1, Math.min(end, k1 + BLOCK));
            b.up(ups, 0, n, x, up);
            int first = waiting;
            for (int c = 0; c < n; c++) {
                int i = ups[c];
                float a = kind.combine(gate[i], up[i]);
                neurons[i] = a;
                if (a != 0f) {
                    pending[waiting] = i;
                    pendingCoeffs[waiting++] = a;
                }
            }
            if (kind.cutsUp()) b.touch(DOWN, DOWN, pending, first, waiting);
            if (waiting >= Q4_0NeuronBundles.TERMS) {
                b.addDown(pending, pendingCoeffs, waiting, s);
                waiting = 0;
            }
        }
        if (waiting > 0) b.addDown(pending, pendingCoeffs, waiting, s);
        s.copyTo(partOut[p]);
    }
}
