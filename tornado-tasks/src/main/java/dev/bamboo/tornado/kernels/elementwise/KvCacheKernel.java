package dev.bamboo.tornado.kernels.elementwise;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Appends the token's key and value vectors to a layer's KV cache at {@code position[0]} (cache layout
 * {@code cache[p * kvDim + i]}, as {@link dev.bamboo.tornado.kernels.attention.FlashDecodeKernels} reads it).
 */
public final class KvCacheKernel {
    private KvCacheKernel() {}

    /** Launch {@code Launch.covering(kvDim, lanes)}. */
    public static void store(KernelContext ctx, FloatArray k, FloatArray v, FloatArray keyCache, FloatArray valueCache, IntArray position, int kvDim) {
        int i = ctx.globalIdx;
        if (i < kvDim) {
            int at = position.get(0) * kvDim + i;
            keyCache.set(at, k.get(i));
            valueCache.set(at, v.get(i));
        }
    }
}
