package dev.bamboo.weights.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import static dev.bamboo.weights.tensor.Simd.B;
import static dev.bamboo.weights.tensor.Simd.B2;
import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;
import static dev.bamboo.weights.tensor.Simd.S2;

/**
 * Kernels over {@link Q4_0PackedTensor}'s layout, where vector lane {@code l} always belongs to block {@code l} of a
 * group of {@code L} blocks. One load of {@code L} bytes widens to the quants {@code k} (low nibbles) and {@code
 * k + 16} (high nibbles) of all {@code L} blocks, and the group's block scales form one vector, so scaling costs one
 * multiply per group instead of a broadcast per block. Quants are signed nibbles: shifts yield {@code q − 8} directly.
 * Groups are addressed by their index {@code g} over the whole tensor: quants at {@code g · 16L}, scales at
 * {@code g · L}, as floats (widening f16 scales inside the kernels costs C2 the node budget the kernels need). The
 * weights are Java arrays: the JIT compiles vector loads from arrays to tighter code than loads from memory segments
 * (measured 1.5× on these kernels).
 *
 * <p>Why the entry points work on whole row lists: C2 stops inlining once a compilation unit grows past a node budget
 * ({@code NodeCountInliningCutoff}), and a Vector API kernel inlined only in part boxes its vectors and runs 10–100×
 * slower. {@link #axpyRows} (two rows per pass) is over 325 bytecodes, so C2 never inlines it into a caller and always
 * compiles it alone with the whole budget; {@link #dotRows} (one row per pass: two outgrow the budget) is smaller and
 * is inlined only into the tensor's one-line wrappers. Engine runs under {@code -XX:+PrintInlining} show no cutoff.
 */
final class Q4_0PackedKernels {
    private Q4_0PackedKernels() {}

    static final int HALF = 16;
    /** Values covered by one group. */
    static final int GROUP_VALUES = L * 32;
    /** Quant bytes of one group. */
    static final int GROUP_QUANTS = L * HALF;

    private static FloatVector scales(float[] d, int g) {
        return FloatVector.fromArray(F, d, g * L);
    }

    private static IntVector quantBytes(byte[] q, int g, int k) {
        return (IntVector) ByteVector.fromArray(B, q, g * GROUP_QUANTS + k * L).convertShape(VectorOperators.B2I, I, 0);
    }

    private static FloatVector low(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0);
    }

    /** The quants of runs {@code k} and {@code k + 1} of group {@code g} (2L bytes) widened to 16-bit lanes. */
    private static ShortVector quantPair(byte[] q, int g, int k) {
        return (ShortVector) ByteVector.fromArray(B2, q, g * GROUP_QUANTS + k * L).convertShape(VectorOperators.B2S, S2, 0);
    }

    /** Values {@code q − 8} of the low nibbles, in 16-bit lanes. */
    private static ShortVector lowShorts(ShortVector q) {
        return q.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 12);
    }

    /** A group's per-block integer dots: the two 16-bit partial sums of each block lane, added as ints. */
    private static FloatVector blockDots(ShortVector partial) {
        IntVector s = (IntVector) partial.convertShape(VectorOperators.S2I, I, 0);
        s = s.add((IntVector) partial.convertShape(VectorOperators.S2I, I, 1));
        return (FloatVector) s.convert(VectorOperators.I2F, 0);
    }

    /**
     * {@code out[r − outShift] = row r · x} for the rows {@code r = rows[k]}, {@code k} in {@code [from, to)} (or
     * {@code r = k} when {@code rows} is null), each row {@code groupsPerRow} groups long, against grouped Q8_0
     * activation quants {@code xq} (same lane order, see {@link ActivationVector}) with block scales {@code xd}.
     *
     * <p>The integer dot of each block is formed exactly in 16-bit lanes, two runs of quants per vector: a product is
     * at most 8 · 127 = 1016 in magnitude, and each lane adds 16 of them (≤ 16256 < 2^15) before the two partial sums of
     * a block are added as ints. Then, per block, the sum is scaled by the product of the two block scales, as llama.cpp's
     * vec_dot_q4_0_q8_0 does. Integer arithmetic is exact, so the result does not depend on the lane order. One row at a time: the activations stay in L1 (shorts), and two rows per pass would
     * outgrow C2's node budget.
     */
    static void dotRows(byte[] q, float[] d, int groupsPerRow, int[] rows, int from, int to, short[] xq, float[] xd,
                        float[] out, int outShift) {
        for (int k = from; k < to; k++) {
            int row = rows == null ? k : rows[k], r = row * groupsPerRow;
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < groupsPerRow; i++) {
                int g = r + i, x = i * GROUP_VALUES;
                ShortVector partial = ShortVector.zero(S2);
                for (int j = 0; j < HALF; j += 2) {
                    ShortVector b = quantPair(q, g, j);
                    partial = partial.add(lowShorts(b).mul(ShortVector.fromArray(S2, xq, x + j * L)))
                            .add(b.lanewise(VectorOperators.ASHR, 4).mul(ShortVector.fromArray(S2, xq, x + (j + HALF) * L)));
                }
                acc = blockDots(partial).fma(scales(d, g).mul(FloatVector.fromArray(F, xd, i * L)), acc);
            }
            out[row - outShift] = Simd.sum(acc);
        }
    }

    /**
     * {@code sums[s ..] += Σ_k a_k · row rows[k]} over {@code k} in {@code [from, to)}, in that order, for the
     * {@code groups} groups of each row starting at its group {@code firstGroup}; rows are {@code groupsPerRow} groups
     * long and {@code sums} is in grouped lane order from {@code s} on. The coefficient {@code a_k} is {@code
     * coeffs[k]}, or with {@code coeffsByRow} {@code coeffs[rows[k]]}, and then terms with a zero coefficient are
     * skipped. Each slice of {@code sums} is loaded and stored once per two terms; an odd last term is paired with
     * itself at coefficient 0, which adds exactly nothing.
     */
    static void axpyRows(byte[] q, float[] d, int groupsPerRow, int firstGroup, int groups, int[] rows, int from, int to,
                         float[] coeffs, boolean coeffsByRow, float[] sums, int s) {
        int k = from;
        while (k < to) {
            float a0 = coeffs[coeffsByRow ? rows[k] : k];
            if (coeffsByRow && a0 == 0f) {
                k++;
                continue;
            }
            int k1 = k + 1;
            while (coeffsByRow && k1 < to && coeffs[rows[k1]] == 0f) k1++;
            boolean pair = k1 < to;
            int r0 = rows[k] * groupsPerRow + firstGroup, r1 = pair ? rows[k1] * groupsPerRow + firstGroup : r0;
            float a1 = pair ? coeffs[coeffsByRow ? rows[k1] : k1] : 0f;
            for (int i = 0; i < groups; i++) {
                FloatVector d0 = scales(d, r0 + i).mul(a0), d1 = scales(d, r1 + i).mul(a1);
                int y = s + i * GROUP_VALUES;
                for (int j = 0; j < HALF; j++) {
                    IntVector q0 = quantBytes(q, r0 + i, j), q1 = quantBytes(q, r1 + i, j);
                    int jl = y + j * L, jh = y + (j + HALF) * L;
                    low(q1).fma(d1, low(q0).fma(d0, FloatVector.fromArray(F, sums, jl))).intoArray(sums, jl);
                    high(q1).fma(d1, high(q0).fma(d0, FloatVector.fromArray(F, sums, jh))).intoArray(sums, jh);
                }
            }
            k = pair ? k1 + 1 : to;
        }
    }
}
