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
 * {@code position · invFreq[i]}.
 */
public final class RopeKernel {
    private RopeKernel() {}

    /**
     * Hugging Face layout: dimension i pairs with i + headDim/2.
     * Launch {@code Launch.covering((heads + kvHeads) * headDim / 2, lanes)}.
     */
    public static void rotateHalf(KernelContext ctx, FloatArray q, FloatArray k, IntArray position, FloatArray invFreq,
                                  int heads, int kvHeads, int headDim) {
        int half = headDim / 2;
        int id = ctx.globalIdx;
        if (id < (heads + kvHeads) * half) {
            int head = id / half;
            int i = id % half;
            float angle = position.get(0) * invFreq.get(i);
            float cos = TornadoMath.cos(angle);
            float sin = TornadoMath.sin(angle);
            if (head < heads) {
                int a = head * headDim + i;
                float v0 = q.get(a);
                float v1 = q.get(a + half);
                q.set(a, v0 * cos - v1 * sin);
                q.set(a + half, v0 * sin + v1 * cos);
            } else {
                int a = (head - heads) * headDim + i;
                float v0 = k.get(a);
                float v1 = k.get(a + half);
                k.set(a, v0 * cos - v1 * sin);
                k.set(a + half, v0 * sin + v1 * cos);
            }
        }
    }

    /**
     * GGUF layout (llama.cpp's converters permute q/k for it): dimension 2i pairs with 2i + 1.
     * Launch as {@link #rotateHalf}.
     */
    public static void adjacentPairs(KernelContext ctx, FloatArray q, FloatArray k, IntArray position, FloatArray invFreq,
                                     int heads, int kvHeads, int headDim) {
        int half = headDim / 2;
        int id = ctx.globalIdx;
        if (id < (heads + kvHeads) * half) {
            int head = id / half;
            int i = id % half;
            float angle = position.get(0) * invFreq.get(i);
            float cos = TornadoMath.cos(angle);
            float sin = TornadoMath.sin(angle);
            if (head < heads) {
                int a = head * headDim + 2 * i;
                float v0 = q.get(a);
                float v1 = q.get(a + 1);
                q.set(a, v0 * cos - v1 * sin);
                q.set(a + 1, v0 * sin + v1 * cos);
            } else {
                int a = (head - heads) * headDim + 2 * i;
                float v0 = k.get(a);
                float v1 = k.get(a + 1);
                k.set(a, v0 * cos - v1 * sin);
                k.set(a + 1, v0 * sin + v1 * cos);
            }
        }
    }

    /** {@code theta^(-2i/headDim)} for {@code i < headDim/2}. */
    public static float[] inverseFrequencies(int headDim, float theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = (float) (1.0 / Math.pow(theta, 2.0 * i / headDim));
        return inv;
    }
}
