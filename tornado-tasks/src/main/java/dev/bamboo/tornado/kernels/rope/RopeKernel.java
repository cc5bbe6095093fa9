package dev.bamboo.tornado.kernels.rope;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Rotary position embedding of the query and key heads of one token, in place. The position is read from
 * {@code position[0]} on the device, so one compiled graph serves every token.
 *
 * <p>{@code invFreq[i] = theta^(-2i/headDim)} for {@code i < headDim/2}, computed once on the host (in double,
 * as the CPU path does) so both paths rotate by the same frequencies. Pair i of a head turns by
 * {@code position · invFreq[i]}; which two dimensions form pair i depends on the layout.
 */
public final class RopeKernel {
    private RopeKernel() {}

    /** Hugging Face layout: dimension i pairs with i + headDim/2. */
    public static final int ROTATE_HALF = 0;
    /** GGUF layout (llama.cpp's converters permute q/k for it): dimension 2i pairs with 2i + 1. */
    public static final int ADJACENT_PAIRS = 1;

    /**
     * {@code layout}: {@link #ROTATE_HALF} or {@link #ADJACENT_PAIRS} (a task scalar, so each task's kernel is
     * specialized to one). Launch {@code Launch.covering((heads + kvHeads) * headDim / 2, lanes)}.
     */
    public static void rope(KernelContext ctx, FloatArray q, FloatArray k, IntArray position, FloatArray invFreq,
                              int heads, int kvHeads, int headDim, int layout) {
        int half = headDim / 2;
        int id = ctx.globalIdx;
        if (id < (heads + kvHeads) * half) {
            int head = id / half;
            int i = id % half;
            float angle = position.get(0) * invFreq.get(i);
            float cos = TornadoMath.cos(angle);
            float sin = TornadoMath.sin(angle);
            int first = layout == ADJACENT_PAIRS ? 2 * i : i;
            int partner = layout == ADJACENT_PAIRS ? 1 : half;
            if (head < heads) {
                rotatePair(q, head * headDim + first, partner, cos, sin);
            } else {
                rotatePair(k, (head - heads) * headDim + first, partner, cos, sin);
            }
        }
    }

    /** Turns the pair (v[a], v[a + partner]) by the angle whose cosine and sine are given. */
    private static void rotatePair(FloatArray v, int a, int partner, float cos, float sin) {
        float v0 = v.get(a);
        float v1 = v.get(a + partner);
        v.set(a, v0 * cos - v1 * sin);
        v.set(a + partner, v0 * sin + v1 * cos);
    }

    /** {@code theta^(-2i/headDim)} for {@code i < headDim/2}. */
    public static float[] inverseFrequencies(int headDim, float theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = (float) (1.0 / Math.pow(theta, 2.0 * i / headDim));
        return inv;
    }
}
