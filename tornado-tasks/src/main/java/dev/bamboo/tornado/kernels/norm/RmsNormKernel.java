package dev.bamboo.tornado.kernels.norm;

import dev.bamboo.tornado.kernels.WorkGroups;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** RMSNorm: {@code out = x / sqrt(mean(x²) + eps) · weight}. */
public final class RmsNormKernel {
    private RmsNormKernel() {}

    /**
     * Normalizes vector {@code v = groupIdx} of {@code x} (vectors of {@code n} values laid end to end) into
     * the same place in {@code out}. Launch {@code Launch.perGroup(vectors, lanes)}.
     */
    public static void rmsNorm(KernelContext ctx, FloatArray x, FloatArray weight, FloatArray out, int n, float eps) {
        float[] partial = ctx.allocateFloatLocalArray(WorkGroups.MAX_LANES);
        int base = ctx.groupIdx * n;
        int lane = ctx.localIdx;
        int lanes = ctx.localGroupSizeX;
        float squares = 0f;
        for (int i = lane; i < n; i += lanes) {
            float v = x.get(base + i);
            squares += v * v;
        }
        partial[lane] = squares;
        for (int stride = lanes / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lane < stride) {
                partial[lane] += partial[lane + stride];
            }
        }
        ctx.localBarrier();
        float inverse = 1f / TornadoMath.sqrt(partial[0] / n + eps);
        for (int i = lane; i < n; i += lanes) {
            out.set(base + i, x.get(base + i) * inverse * weight.get(i));
        }
    }
}
