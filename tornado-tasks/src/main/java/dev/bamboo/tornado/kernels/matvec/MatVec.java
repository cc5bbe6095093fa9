package dev.bamboo.tornado.kernels.matvec;

import dev.bamboo.tornado.kernels.WorkGroups;
import dev.bamboo.tornado.kernels.formats.WeightRows;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** {@code out = W · x} for every weight format: one work-group per row, lanes reduced in local memory. */
public final class MatVec {
    private MatVec() {}

    /**
     * Launch {@code Launch.perGroup(rows, lanes)}, lanes a power of two up to {@link WorkGroups#MAX_LANES}.
     * {@code wBytes}/{@code wFloats}/{@code format}: the matrix as {@link WeightRows} reads it.
     * {@code relu != 0} clamps the result at zero (the predictor's hidden layer).
     */
    public static void matvec(KernelContext ctx, ByteArray wBytes, FloatArray wFloats, FloatArray x, FloatArray out, int cols, int format,
                              int relu) {
        float[] partial = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int row = ctx.groupIdx;
        int lane = ctx.localIdx;
        partial[lane] = WeightRows.partialDot(format, wBytes, wFloats, row, cols, x, lane, ctx.localGroupSizeX);
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
