package dev.bamboo.tornado.kernels.sparse;

import dev.bamboo.tornado.kernels.WorkGroups;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Stream compaction on the device: the indices of the neurons to run, in ascending order, plus their count.
 * It serves both sparse modes: predictor scores against the predictor threshold, and (exact mode) gate values
 * against the smallest value above the FFN's gate cutoff.
 */
public final class ActiveSetKernels {
    private ActiveSetKernels() {}

    /**
     * {@code indices[0 .. count[0])} = every {@code i < n} with {@code scores[i] >= threshold}, ascending.
     *
     * <p>Launch {@code Launch.single(lanes)}: one work-group; lane t owns a contiguous chunk of the scores, an
     * exclusive prefix sum of the per-lane counts (in local memory) gives each lane its write offset. Unlike an
     * atomic counter this keeps the list sorted, so results do not depend on scheduling.
     */
    public static void compact(KernelContext ctx, FloatArray scores, IntArray indices, IntArray count, int n, float threshold) {
        int[] prefix = ctx.allocateIntLocalArray(WorkGroups.MAX_LANES);
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        int chunk = (n + lanes - 1) / lanes;
        int start = Math.min(n, lane * chunk);
        int end = Math.min(n, start + chunk);
        int mine = 0;
        for (int i = start; i < end; i++) {
            if (scores.get(i) >= threshold) {
                mine++;
            }
        }
        prefix[lane] = mine;
        // Hillis-Steele inclusive scan over the lanes' counts.
        for (int step = 1; step < lanes; step *= 2) {
            ctx.localBarrier();
            int add = 0;
            if (lane >= step) {
                add = prefix[lane - step];
            }
            ctx.localBarrier();
            prefix[lane] += add;
        }
        ctx.localBarrier();
        int offset = prefix[lane] - mine;
        for (int i = start; i < end; i++) {
            if (scores.get(i) >= threshold) {
                indices.set(offset, i);
                offset++;
            }
        }
        if (lane == lanes - 1) {
            count.set(0, prefix[lane]);
        }
    }
}
