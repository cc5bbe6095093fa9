package dev.bamboo.tornado.kernels.sampling;

import dev.bamboo.tornado.kernels.WorkGroups;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Greedy sampling on the device: the index of the largest logit, the lowest index among ties (as the CPU path). */
public final class ArgmaxKernel {
    private ArgmaxKernel() {}

    /** {@code result[0] = argmax(logits[0 .. n))}. Launch {@code Launch.single(lanes)}. NaN logits are never chosen. */
    public static void argmax(KernelContext ctx, FloatArray logits, IntArray result, int n) {
        float[] bestValues = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int[] bestIndices = ctx.allocateIntLocalArray(WorkGroups.MAX_LANES);
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        float best = 0f;
        int bestIndex = -1;
        // Ascending strided scan with a strict '>' keeps each lane's first maximum.
        for (int i = lane; i < n; i += lanes) {
            float v = logits.get(i);
            if (bestIndex < 0 && v == v || v > best) {
                best = v;
                bestIndex = i;
            }
        }
        bestValues[lane] = best;
        bestIndices[lane] = bestIndex;
        for (int stride = lanes / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lane < stride) {
                int otherIndex = bestIndices[lane + stride];
                float other = bestValues[lane + stride];
                int mineIndex = bestIndices[lane];
                float mine = bestValues[lane];
                if (otherIndex >= 0 && (mineIndex < 0 || other > mine || other == mine && otherIndex < mineIndex)) {
                    bestValues[lane] = other;
                    bestIndices[lane] = otherIndex;
                }
            }
        }
        if (lane == 0) {
            result.set(0, bestIndices[0]);
        }
    }
}
