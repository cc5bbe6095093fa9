package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.forward.HeapRoom;
import dev.bamboo.runtime.forward.VectorMath;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;
import dev.bamboo.weights.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * One token's gather-based FFN over {@link Q4_0NeuronBundles}, for the predicted mode of repacked Q4_0 models: per
 * active neuron, the gate row, the up row (unless the gate is cut off) and the {@code ffn_down_t} row are read from one
 * run. The active list is cut into {@link #PARTS} equal parts, each computed whole by one thread (blocks of {@link
 * #BLOCK} neurons: touch their bundles, gate products, up products, then their nonzero terms into the part's down sums)
 * and the part sums added in part order, so results do not depend on the thread count. Gate and up products are
 * bitwise those of the separate matrices; the down terms are quantized in blocks taken in part order, so the sums round
 * a little differently from {@link dev.bamboo.runtime.forward.RowAccumulator}'s over the same terms.
 *
 * <p>Bundles are a copy beside the matrices (prompt batches, and tokens whose list is too long to gather, use those),
 * made for every layer at construction where the heap has room ({@link HeapRoom}) once the session has its memory; a
 * layer without one runs the separate matrices.
 */
final class BundledTokenFfn {
    /** Fixed, as {@code RowAccumulator}'s parts: a part's neurons (and its rounding) are the same for any thread count. */
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

    BundledTokenFfn(List<LayerWeights> layers, FfnKind kind, ComputePool pool) {
        this.kind = kind;
        this.bundles = new Q4_0NeuronBundles[layers.size()];
        long made = 0, wanted = 0;
        for (LayerWeights w : layers) if (bundleable(w)) wanted += Q4_0NeuronBundles.bytes(w.ffnGate());
        if (wanted > HeapRoom.free()) System.gc(); // once: count only live data
        for (int l = 0; l < layers.size(); l++) {
            LayerWeights w = layers.get(l);
            Tensor gate = w.ffnGate(), up = w.ffnUp(), downT = w.ffnDownT();
            if (!bundleable(w) || Q4_0NeuronBundles.bytes(gate) > HeapRoom.free()) continue;
            bundles[l] = Q4_0NeuronBundles.of(gate, up, downT, pool);
            made += bundles[l].bytes();
        }
        this.bytes = made;
        if (made > 0) {
            int hidden = layers.getFirst().ffnGate().cols();
            for (int p = 0; p < PARTS; p++) {
                sums[p] = Q4_0NeuronBundles.downSums(hidden);
                partOut[p] = new float[hidden];
            }
        }
    }

    private static boolean bundleable(LayerWeights w) {
        return w.ffnDownT() != null && Q4_0NeuronBundles.bundleable(w.ffnGate(), w.ffnUp(), w.ffnDownT());
    }

    /** Memory the bundles take. */
    long bytes() {
        return bytes;
    }

    /** Whether layer {@code layer} has bundles. */
    boolean covers(int layer) {
        return bundles[layer] != null;
    }

    /**
     * The FFN of one token over its {@code count} active neurons {@code rows}: {@code gate[i]} and {@code neurons[i]}
     * (the activation, zero where cut off) for each, {@code up[i]} where the gate is not cut off, and {@code out} the
     * down projection.
     */
    void forward(ComputePool pool, int layer, int[] rows, int count, ActivationVector x, float[] gate, float[] up,
                 float[] neurons, float[] out) {
        Q4_0NeuronBundles b = bundles[layer];
        pool.forRange(PARTS, 1, (long) count * b.bytes() / b.neurons(), (from, to) -> {
            for (int p = from; p < to; p++) {
                part(b, p, rows, (int) ((long) count * p / PARTS), (int) ((long) count * (p + 1) / PARTS), x, gate, up, neurons);
            }
        });
        Arrays.fill(out, 0, b.hidden(), 0f);
        for (float[] part : partOut) VectorMath.addInPlace(out, part, b.hidden());
    }

    private void part(Q4_0NeuronBundles b, int p, int[] rows, int start, int end, ActivationVector x, float[] gate,
                      float[] up, float[] neurons) {
        Q4_0NeuronBundles.DownSums s = sums[p];
        int[] ups = upRows[p], pending = terms[p];
        float[] pendingCoeffs = coeffs[p];
        s.reset();
        int waiting = 0;
        for (int k0 = start; k0 < end; k0 += BLOCK) {
            int k1 = Math.min(end, k0 + BLOCK);
            b.touch(rows, k0, k1);
            b.gate(rows, k0, k1, x, gate);
            int n = 0;
            for (int k = k0; k < k1; k++) {
                if (!kind.cutsOff(gate[rows[k]])) ups[n++] = rows[k];
            }
            b.up(ups, 0, n, x, up);
            for (int c = 0; c < n; c++) {
                int i = ups[c];
                float a = kind.combine(gate[i], up[i]);
                neurons[i] = a;
                if (a != 0f) {
                    pending[waiting] = i;
                    pendingCoeffs[waiting++] = a;
                }
            }
            if (waiting >= Q4_0NeuronBundles.TERMS) {
                b.addDown(pending, pendingCoeffs, waiting, s);
                waiting = 0;
            }
        }
        if (waiting > 0) b.addDown(pending, pendingCoeffs, waiting, s);
        s.copyTo(partOut[p]);
    }
}
