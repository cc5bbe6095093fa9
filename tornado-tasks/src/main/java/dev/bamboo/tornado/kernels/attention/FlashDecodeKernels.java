package dev.bamboo.tornado.kernels.attention;

import dev.bamboo.tornado.kernels.WorkGroups;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Decode-time attention of one token over the KV cache, flash-decoding style: {@link #partial} runs in parallel
 * over (query head, block of KV positions) and leaves each block's softmax numerator, max and denominator;
 * {@link #merge} rescales and sums the blocks of each head.
 *
 * <p>Cache layout: {@code cache[layerOffset + p * kvHeads * headDim + kvHead * headDim + d]} for position p.
 * The current position is {@code position[0]} on the device: the token at {@code position[0]} must already be in
 * the cache, and it attends to positions {@code [first, position[0]]} where {@code first = 0} for full causal
 * attention and {@code max(0, position[0] - window + 1)} for a sliding window of {@code window} tokens (Mistral:
 * the current token plus the window − 1 before it). GQA: query head h reads KV head {@code h / (heads / kvHeads)}.
 * Launches always cover the whole cache; blocks outside the attended range exit at once.
 */
public final class FlashDecodeKernels {
    private FlashDecodeKernels() {}

    /**
     * Block {@code b = groupIdx} of head {@code h = groupIdy}: positions {@code [b·lanes, (b+1)·lanes)}, one per lane.
     * Writes {@code partialOut[(h·maxBlocks + b)·headDim + d]} (unnormalized), {@code partialMax[h·maxBlocks + b]}
     * and {@code partialSum[h·maxBlocks + b]}, with {@code maxBlocks = ceil(cacheLength / lanes)}.
     * Launch {@code Launch.grid(maxBlocks, heads, lanes)}.
     */
    public static void partial(KernelContext ctx, FloatArray q, FloatArray keyCache, FloatArray valueCache, IntArray position,
                               FloatArray partialOut, FloatArray partialMax, FloatArray partialSum,
                               int heads, int kvHeads, int headDim, int window, int layerOffset, float scale) {
        float[] scores = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        float[] reduce = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int block = ctx.groupIdx;
        int head = ctx.groupIdy;
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        int maxBlocks = ctx.globalGroupSizeX / lanes;
        int last = position.get(0);
        int first = window > 0 ? Math.max(0, last - window + 1) : 0;
        int blockStart = block * lanes;
        if (blockStart <= last && blockStart + lanes > first) {
            int kvDim = kvHeads * headDim;
            int kvBase = layerOffset + (head / (heads / kvHeads)) * headDim;
            int qBase = head * headDim;
            int p = blockStart + lane;
            boolean valid = p >= first && p <= last;
            float score = -3.0e38f;
            if (valid) {
                int kBase = kvBase + p * kvDim;
                float dot = 0f;
                for (int d = 0; d < headDim; d++) {
                    dot += q.get(qBase + d) * keyCache.get(kBase + d);
                }
                score = dot * scale;
            }
            reduce[lane] = score;
            for (int stride = lanes / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lane < stride) {
                    reduce[lane] = Math.max(reduce[lane], reduce[lane + stride]);
                }
            }
            ctx.localBarrier();
            float max = reduce[0];
            float weight = valid ? TornadoMath.exp(score - max) : 0f;
            ctx.localBarrier();
            scores[lane] = weight;
            reduce[lane] = weight;
            for (int stride = lanes / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lane < stride) {
                    reduce[lane] += reduce[lane + stride];
                }
            }
            ctx.localBarrier();
            int slot = head * maxBlocks + block;
            if (lane == 0) {
                partialMax.set(slot, max);
                partialSum.set(slot, reduce[0]);
            }
            int valid0 = Math.max(first, blockStart) - blockStart;
            int valid1 = Math.min(last, blockStart + lanes - 1) - blockStart;
            for (int d = lane; d < headDim; d += lanes) {
                float acc = 0f;
                for (int t = valid0; t <= valid1; t++) {
                    acc += scores[t] * valueCache.get(kvBase + (blockStart + t) * kvDim + d);
                }
                partialOut.set(slot * headDim + d, acc);
            }
        }
    }

    /**
     * {@code out[h·headDim + d]} = the softmax-weighted sum of head h's blocks. Launch
     * {@code Launch.perGroup(heads, lanes)}; {@code blockSize} is {@link #partial}'s lanes.
     */
    public static void merge(KernelContext ctx, FloatArray partialOut, FloatArray partialMax, FloatArray partialSum,
                             IntArray position, FloatArray out, int headDim, int blockSize, int maxBlocks, int window) {
        int head = ctx.groupIdx;
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        int last = position.get(0);
        int first = window > 0 ? Math.max(0, last - window + 1) : 0;
        int b0 = first / blockSize;
        int b1 = last / blockSize;
        int base = head * maxBlocks;
        float max = -3.0e38f;
        for (int b = b0; b <= b1; b++) {
            max = Math.max(max, partialMax.get(base + b));
        }
        float denominator = 0f;
        for (int b = b0; b <= b1; b++) {
            denominator += TornadoMath.exp(partialMax.get(base + b) - max) * partialSum.get(base + b);
        }
        for (int d = lane; d < headDim; d += lanes) {
            float numerator = 0f;
            for (int b = b0; b <= b1; b++) {
                numerator += TornadoMath.exp(partialMax.get(base + b) - max) * partialOut.get((base + b) * headDim + d);
            }
            out.set(head * headDim + d, numerator / denominator);
        }
    }
}
