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
 * Q4_0 weights against Q8_0 activations, as llama.cpp's vec_dot_q4_0_q8_0: per block the integer dot of
 * (nibble − 8) with the activation quants, times both scales. As in {@link Q8_0Kernels} the integer dot is formed,
 * exactly, in float lanes. A block's 16 bytes widen in {@code 16 / L} loads: low nibbles are values 0..15, high
 * nibbles values 16..31.
 */
final class Q4_0Kernels {
    private Q4_0Kernels() {}

    static final int BLOCK = Q4_0Tensor.BLOCK;
    static final int BLOCK_BYTES = Q4_0Tensor.BLOCK_BYTES;
    private static final int HALF = 16;

    static float scale(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, off));
    }

    /**
     * Values {@code c .. c+L)} (low nibbles) or {@code 16+c .. 16+c+L)} (high nibbles) of the block, minus 8. The
     * bytes are widened to int lanes before the nibble arithmetic: measured faster than byte-lane arithmetic followed
     * by a byte-to-float conversion.
     */
    private static FloatVector quants(MemorySegment w, long off, int c, boolean high) {
        IntVector q = (IntVector) ByteVector.fromMemorySegment(B, w, off + 2 + c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        q = high ? q.lanewise(VectorOperators.LSHR, 4) : q.lanewise(VectorOperators.AND, 0xF);
        return (FloatVector) q.sub(8).convert(VectorOperators.I2F, 0);
    }

    /**
     * Integer dot of one weight block with activation quants {@code xs[x .. x+32)}, in 16-bit lanes: lane j holds
     * (lo_j − 8)·x_j + (hi_j − 8)·x_{16+j}, at most 2·8·127 in magnitude. Exact: the
     * integer dot of the block, whatever the lane order.
     */
    private static FloatVector blockShorts(MemorySegment w, long off, short[] xs, int x) {
        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B16, w, off + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
        ShortVector lo = q.and((short) 0xF).sub((short) 8);
        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
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
            for (int c = 0; c < HALF; c += L) {
                int j = b * BLOCK + c;
                quants(w, o, c, false).fma(ad, FloatVector.fromArray(F, y, j)).intoArray(y, j);
                quants(w, o, c, true).fma(ad, FloatVector.fromArray(F, y, j + HALF)).intoArray(y, j + HALF);
            }
        }
    }

    /**
     * {@link #axpyBlocks} for four rows at once: each slice of {@code y} is loaded once, takes the four rows' terms
     * in row order, each exactly as {@link #axpyBlocks} forms it, and is stored once.
     */
    static void axpyBlocks4(MemorySegment w, long o0, long o1, long o2, long o3, float a0, float a1, float a2, float a3,
                            float[] y, int firstBlock, int endBlock) {
        for (int b = firstBlock; b < endBlock; b++) {
            long s = (long) b * BLOCK_BYTES, p0 = o0 + s, p1 = o1 + s, p2 = o2 + s, p3 = o3 + s;
            FloatVector d0 = FloatVector.broadcast(F, a0 * scale(w, p0)), d1 = FloatVector.broadcast(F, a1 * scale(w, p1));
            FloatVector d2 = FloatVector.broadcast(F, a2 * scale(w, p2)), d3 = FloatVector.broadcast(F, a3 * scale(w, p3));
            // one loop body for low and high nibbles: written out twice, the method outgrows C2's inlining budget
            for (int part = 0; part < BLOCK / L; part++) {
                boolean high = part >= HALF / L;
                int c = high ? part * L - HALF : part * L, j = b * BLOCK + part * L;
                FloatVector v = FloatVector.fromArray(F, y, j);
                v = quants(w, p0, c, high).fma(d0, v);
                v = quants(w, p1, c, high).fma(d1, v);
                v = quants(w, p2, c, high).fma(d2, v);
                quants(w, p3, c, high).fma(d3, v).intoArray(y, j);
            }
        }
    }
}
