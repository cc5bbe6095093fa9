package dev.bamboo.tornado.kernels.sparse;

import dev.bamboo.tornado.kernels.WorkGroups;
import dev.bamboo.tornado.kernels.formats.WeightRows;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The sparse FFN for every weight format: only the neurons listed in {@code active[0 .. count[0])} are computed.
 * The count lives on the device, so every launch is sized for all {@code ffn} neurons and the surplus
 * work-groups exit at once. Each weight matrix comes as a (bytes, floats) pair read by {@link WeightRows} with
 * {@code format}; gate and up share one format.
 */
public final class SparseFfn {
    private SparseFfn() {}

    /**
     * Predictor mode: {@code h[k] = combine(gate[r] · x, up[r] · x)} for {@code r = active[k]}.
     * Launch {@code Launch.perGroup(ffn, lanes)}: group k handles the k-th active neuron.
     */
    public static void gateUp(KernelContext ctx, ByteArray gateBytes, FloatArray gateFloats, ByteArray upBytes, FloatArray upFloats,
                              FloatArray x, IntArray active, IntArray count, FloatArray h, int cols, int format, int kind, float fatThreshold) {
        float[] gateSums = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        float[] upSums = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int k = ctx.groupIdx;
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        if (k < count.get(0)) {
            int row = active.get(k);
            gateSums[lane] = WeightRows.partialDot(format, gateBytes, gateFloats, row, cols, x, lane, lanes);
            upSums[lane] = WeightRows.partialDot(format, upBytes, upFloats, row, cols, x, lane, lanes);
            for (int stride = lanes / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lane < stride) {
                    gateSums[lane] += gateSums[lane + stride];
                    upSums[lane] += upSums[lane + stride];
                }
            }
            if (lane == 0) {
                h.set(k, FfnActivation.combine(kind, gateSums[0], upSums[0], fatThreshold));
            }
        }
    }

    /**
     * Exact mode, after the dense gate projection {@code gateValues} and the compaction of its positive entries:
     * {@code h[k] = combine(gateValues[r], up[r] · x)} for {@code r = active[k]}. Launch as {@link #gateUp}.
     */
    public static void upWhereGate(KernelContext ctx, ByteArray upBytes, FloatArray upFloats, FloatArray x, FloatArray gateValues,
                                   IntArray active, IntArray count, FloatArray h, int cols, int format, int kind, float fatThreshold) {
        float[] upSums = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int k = ctx.groupIdx;
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        if (k < count.get(0)) {
            int row = active.get(k);
            upSums[lane] = WeightRows.partialDot(format, upBytes, upFloats, row, cols, x, lane, lanes);
            for (int stride = lanes / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lane < stride) {
                    upSums[lane] += upSums[lane + stride];
                }
            }
            if (lane == 0) {
                h.set(k, FfnActivation.combine(kind, gateValues.get(row), upSums[0], fatThreshold));
            }
        }
    }

    /**
     * {@code out[j] = sum over k < count[0] of h[k] · downT[active[k]][j]}: the down projection from its
     * transposed layout ({@code ffn_down_t}, row i = neuron i's output vector), parallel over output columns.
     * Each group stages a tile of (index, value) pairs in local memory for all its lanes.
     * Launch {@code Launch.covering(hidden, lanes)}.
     */
    public static void downAccumulate(KernelContext ctx, ByteArray downBytes, FloatArray downFloats, IntArray active, IntArray count,
                                      FloatArray h, FloatArray out, int hidden, int format) {
        int[] tileRows = ctx.allocateIntLocalArray(WorkGroups.MAX_LANES);
        float[] tileValues = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int j = ctx.globalIdx;
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        int n = count.get(0);
        float sum = 0f;
        for (int base = 0; base < n; base += lanes) {
            int k = base + lane;
            if (k < n) {
                tileRows[lane] = active.get(k);
                tileValues[lane] = h.get(k);
            }
            ctx.localBarrier();
            int tile = Math.min(lanes, n - base);
            if (j < hidden) {
                for (int t = 0; t < tile; t++) {
                    sum += tileValues[t] * WeightRows.get(format, downBytes, downFloats, tileRows[t], hidden, j);
                }
            }
            ctx.localBarrier();
        }
        if (j < hidden) {
            out.set(j, sum);
        }
    }
}
