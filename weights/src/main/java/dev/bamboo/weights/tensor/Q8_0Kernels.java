package dev.bamboo.weights.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bamboo.weights.tensor.Simd.B;
import static dev.bamboo.weights.tensor.Simd.B16;
import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;
import static dev.bamboo.weights.tensor.Simd.LE;
import static dev.bamboo.weights.tensor.Simd.S16;

/**
 * Q8_0 weights against Q8_0 activations, as llama.cpp's vec_dot_q8_0_q8_0: per block the integer dot of the quants
 * (in 16-bit lanes, exact) times both scales. Activation quants come widened to shorts
 * ({@code ActivationVector.q8Shorts()}). Blocks alternate between two accumulators.
 */
final class Q8_0Kernels {
    private Q8_0Kernels() {}

    static final int BLOCK = Q8_0Tensor.BLOCK;
    static final int BLOCK_BYTES = Q8_0Tensor.BLOCK_BYTES;
    private static final int HALF = 16;

    static float scale(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, off));
    }

    private static FloatVector quants(MemorySegment w, long off, int c) {
        // bytes to int lanes, then to float: measured faster than the direct byte-to-float conversion
        IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, off + 2 + c, LE).convertShape(VectorOperators.B2I, I, 0);
        return (FloatVector) q.convert(VectorOperators.I2F, 0);
    }

    /**
     * Integer dot of one weight block with activation quants {@code xs[x .. x+32)}, in 16-bit lanes: lane j holds
     * w_j·x_j + w_{16+j}·x_{16+j}, at most 2·127·127 < 2^15 in magnitude. Exact: the
     * integer dot of the block, whatever the lane order.
     */
    private static FloatVector blockShorts(MemorySegment w, long off, short[] xs, int x) {
        ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(B16, w, off + 2, LE).convertShape(VectorOperators.B2S, S16, 0);
        ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(B16, w, off + 2 + HALF, LE).convertShape(VectorOperators.B2S, S16, 0);
        ShortVector p = lo.mul(ShortVector.fromArray(S16, xs, x)).add(hi.mul(ShortVector.fromArray(S16, xs, x + HALF)));
        return Simd.shortLanesToFloats(p);
    }

    static float dot(MemorySegment w, long off, int blocks, short[] xs, float[] xd) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int b = 0;
        for (; b + 1 < blocks; b += 2, off += 2 * BLOCK_BYTES) {
            acc0 = blockShorts(w, off, xs, b * BLOCK).fma(FloatVector.broadcast(F, scale(w, off) * xd[b]), acc0);
            acc1 = blockShorts(w, off + BLOCK_BYTES, xs, (b + 1) * BLOCK).fma(FloatVector.broadcast(F, scale(w, off + BLOCK_BYTES) * xd[b + 1]), acc1);
        }
        if (b < blocks) acc0 = blockShorts(w, off, xs, b * BLOCK).fma(FloatVector.broadcast(F, scale(w, off) * xd[b]), acc0);
        return Simd.sum(acc0.add(acc1));
    }

    /** {@code y[j] += a · w[j]} over whole blocks {@code [firstBlock, endBlock)} of the row at {@code off}. */
    static void axpyBlocks(MemorySegment w, long off, float a, float[] y, int firstBlock, int endBlock) {
        for (int b = firstBlock; b < endBlock; b++) {
            long o = off + (long) b * BLOCK_BYTES;
            FloatVector ad = FloatVector.broadcast(F, a * scale(w, o));
            for (int c = 0; c < BLOCK; c += L) {
                int j = b * BLOCK + c;
                quants(w, o, c).fma(ad, FloatVector.fromArray(F, y, j)).intoArray(y, j);
            }
        }
    }
}
