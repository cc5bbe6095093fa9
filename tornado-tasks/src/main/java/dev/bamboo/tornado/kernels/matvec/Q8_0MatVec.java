package dev.bamboo.tornado.kernels.matvec;

import dev.bamboo.tornado.kernels.WorkGroups;
import dev.bamboo.tornado.kernels.formats.Q8_0Rows;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** {@code out = W · x} for Q8_0 weights in file layout: one work-group per row, lanes reduced in local memory. */
public final class Q8_0MatVec {
    private Q8_0MatVec() {}

    /**
     * Launch {@code Launch.perGroup(rows, lanes)}, lanes a power of two up to {@link WorkGroups#MAX_LANES}.
     * {@code relu != 0} clamps the result at zero (the predictor's hidden layer).
     */
    public static void matvec(KernelContext ctx, ByteArray w, FloatArray x, FloatArray out, int cols, int relu) {
        float[] partial = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int row = ctx.groupIdx;
        int lane = ctx.localIdx;
        partial[lane] = Q8_0Rows.partialDot(w, row, cols, x, lane, ctx.localGroupSizeX);
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lane < stride) {
                partial[lane] += partial[lane + stride];
            }
        }
        if (lane == 0) {
            float s = partial[0];
            out.set(row, relu != 0 && s < 0f ? 0f : s);
        }
    }
}
