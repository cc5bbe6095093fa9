package dev.bamboo.tornado.kernels.elementwise;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Compact sparse activations back to a full-length vector, for a down projection that is only available in its
 * file layout {@code [hidden, ffn]} (dense GGUF files): {@code full[active[k]] = h[k]}, every other entry 0. Two
 * launches, because work-groups cannot wait for each other: {@link #zero}, then {@link #scatter}.
 */
public final class ScatterKernel {
    private ScatterKernel() {}

    /** {@code full[0 .. n) = 0}. Launch {@code Launch.covering(n, lanes)}. */
    public static void zero(KernelContext ctx, FloatArray full, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            full.set(i, 0f);
        }
    }

    /** {@code full[active[k]] = h[k]} for {@code k < count[0]}. Launch {@code Launch.covering(n, lanes)}. */
    public static void scatter(KernelContext ctx, FloatArray h, IntArray active, IntArray count, FloatArray full) {
        int k = ctx.globalIdx;
        if (k < count.get(0)) {
            full.set(active.get(k), h.get(k));
        }
    }
}
