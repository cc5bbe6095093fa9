package dev.bamboo.tornado.kernels.elementwise;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** The residual connection: {@code x += delta}. */
public final class ResidualKernel {
    private ResidualKernel() {}

    /** Launch {@code Launch.covering(n, lanes)}. */
    public static void add(KernelContext ctx, FloatArray x, FloatArray delta, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            x.set(i, x.get(i) + delta.get(i));
        }
    }
}
