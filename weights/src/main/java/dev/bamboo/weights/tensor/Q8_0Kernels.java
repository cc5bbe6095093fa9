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
 * times both scales. The integer dot is formed in float lanes: every product and partial sum is an integer below
 * 2^24, so it is exact, and widening bytes to floats is cheaper than widening them to wider integers.
 * Activation quants come as floats ({@link ActivationVector#q8Values()}). Blocks alternate between two accumulators.
 */
final class Q8_0Kernels {
    private Q8_0Kernels() {}

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
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
     * w_j·x_j + w_{16+j}·x_{16+j}, at most 2·127·127 < 2^15 in magnitude. Spread over float lanes these are the
     * same integers as {@link BlockDot#of} forms from {@link #widen}, so {@link #dot} and {@link #dot4} give
     * bitwise the same dot.
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

    /** Widens the 32 quants of the block at {@code off} into {@code wq[o .. o+32)}. */
    static void widen(MemorySegment w, long off, float[] wq, int o) {
        for (int c = 0; c < BLOCK; c += L) quants(w, off, c).intoArray(wq, o + c);
    }

    /**
     * Four tokens (quants {@code xq[t0 .. t0+4)}) against one row: each weight block is widened once into a small
     * scratch array; per token the arithmetic, hence the result, is bitwise that of {@link #dot}.
     */
    static void dot4(MemorySegment w, long off, int blocks, float[][] xq, float[][] xd, int t0, float[] out) {
        float[] wq = new float[2 * BLOCK];
        float[] q0 = xq[t0], q1 = xq[t0 + 1], q2 = xq[t0 + 2], q3 = xq[t0 + 3];
        float[] d0 = xd[t0], d1 = xd[t0 + 1], d2 = xd[t0 + 2], d3 = xd[t0 + 3];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        int b = 0;
        for (; b + 1 < blocks; b += 2, off += 2 * BLOCK_BYTES) {
            widen(w, off, wq, 0);
            widen(w, off + BLOCK_BYTES, wq, BLOCK);
            float d = scale(w, off), e = scale(w, off + BLOCK_BYTES);
            int x = b * BLOCK, y = x + BLOCK;
            a0 = BlockDot.of(wq, 0, q0, x).fma(FloatVector.broadcast(F, d * d0[b]), a0);
            a1 = BlockDot.of(wq, 0, q1, x).fma(FloatVector.broadcast(F, d * d1[b]), a1);
            a2 = BlockDot.of(wq, 0, q2, x).fma(FloatVector.broadcast(F, d * d2[b]), a2);
            a3 = BlockDot.of(wq, 0, q3, x).fma(FloatVector.broadcast(F, d * d3[b]), a3);
            c0 = BlockDot.of(wq, BLOCK, q0, y).fma(FloatVector.broadcast(F, e * d0[b + 1]), c0);
            c1 = BlockDot.of(wq, BLOCK, q1, y).fma(FloatVector.broadcast(F, e * d1[b + 1]), c1);
            c2 = BlockDot.of(wq, BLOCK, q2, y).fma(FloatVector.broadcast(F, e * d2[b + 1]), c2);
            c3 = BlockDot.of(wq, BLOCK, q3, y).fma(FloatVector.broadcast(F, e * d3[b + 1]), c3);
        }
        if (b < blocks) {
            widen(w, off, wq, 0);
            float d = scale(w, off);
            int x = b * BLOCK;
            a0 = BlockDot.of(wq, 0, q0, x).fma(FloatVector.broadcast(F, d * d0[b]), a0);
            a1 = BlockDot.of(wq, 0, q1, x).fma(FloatVector.broadcast(F, d * d1[b]), a1);
            a2 = BlockDot.of(wq, 0, q2, x).fma(FloatVector.broadcast(F, d * d2[b]), a2);
            a3 = BlockDot.of(wq, 0, q3, x).fma(FloatVector.broadcast(F, d * d3[b]), a3);
        }
        out[0] = Simd.sum(a0.add(c0));
        out[1] = Simd.sum(a1.add(c1));
        out[2] = Simd.sum(a2.add(c2));
        out[3] = Simd.sum(a3.add(c3));
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
