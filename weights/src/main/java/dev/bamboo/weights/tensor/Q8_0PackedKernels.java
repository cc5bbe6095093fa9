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
 * Kernels over {@link Q8_0PackedTensor}'s layout, where vector lane {@code l} always belongs to block {@code l} of a
 * group of {@code L} blocks: run {@code v} of a group holds value {@code v} of each of its blocks, so one load of
 * {@code 2L} bytes widens to values {@code v, v + 1} of all {@code L} blocks, against the grouped Q8_0 activations
 * that {@link Q4_0PackedKernels} also reads, and the group's scales are one vector. Groups are addressed by their
 * index {@code g} over the whole tensor: quants at {@code g · 32L}, scales at {@code g · L}.
 */
final class Q8_0PackedKernels {
    private Q8_0PackedKernels() {}

    static final int BLOCK = GroupedOrder.BLOCK;
    /** Values covered by one group (and quant bytes of one group). */
    static final int GROUP_VALUES = GroupedOrder.VALUES;

    /** Runs {@code v, v + 1} of a group: the {@code 2L} bytes at {@code offset}, widened to 16-bit lanes. */
    private static ShortVector runPair(byte[] q, int offset) {
        return (ShortVector) ByteVector.fromArray(B2, q, offset).convertShape(VectorOperators.B2S, S2, 0);
    }

    /**
     * {@code out[r − outShift] = row r · x} for the rows {@code r = rows[k]}, {@code k} in {@code [from, to)} (or {@code r = k}
     * when {@code rows} is null), against grouped Q8_0 activation quants {@code xq} as shorts or, where that is null,
     * {@code xqBytes} as bytes ({@link ActivationVector#SHORT_GROUPED}), with block scales {@code xd}.
     *
     * <p>Per block the integer dot is exact: a 16-bit lane adds the products of two run pairs, at most
     * {@code 2 · 128 · 127 = 32512 < 2^15} in magnitude, and is then widened and added as an int. Per group the blocks'
     * integer dots are scaled by the products of the two block scales, as llama.cpp's vec_dot_q8_0_q8_0 does per block.
     */
    static void dotRows(byte[] q, float[] d, int groupsPerRow, int[] rows, int from, int to, short[] xq, byte[] xqBytes, float[] xd, float[] out,
                        int outShift) {
        for (int k = from; k < to; k++) {
            int row = rows == null ? k : rows[k], first = row * groupsPerRow;
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < groupsPerRow; i++) {
                int x = i * GROUP_VALUES, runs = (first + i) * GROUP_VALUES;
                IntVector blockDots = IntVector.zero(I);
                for (int v = 0; v < BLOCK; v += 4) {
                    ShortVector p = runPair(q, runs + v * L).mul(Simd.activationPair(xq, xqBytes, x + v * L))
                            .add(runPair(q, runs + (v + 2) * L).mul(Simd.activationPair(xq, xqBytes, x + (v + 2) * L)));
                    blockDots = blockDots.add((IntVector) p.convertShape(VectorOperators.S2I, I, 0))
                            .add((IntVector) p.convertShape(VectorOperators.S2I, I, 1));
                }
                FloatVector scales = FloatVector.fromArray(F, d, (first + i) * L).mul(FloatVector.fromArray(F, xd, i * L));
                acc = ((FloatVector) blockDots.convert(VectorOperators.I2F, 0)).fma(scales, acc);
            }
            out[row - outShift] = Simd.sum(acc);
        }
    }

    /**
     * {@link #dotRows} over listed rows, with the same results, in blocks of {@link RowTouch#BLOCK} list entries whose
     * rows (quants and scales) are touched before they are computed, as {@link Q4_0PackedKernels#gatherRows} does.
     */
    static void gatherRows(byte[] q, float[] d, int groupsPerRow, int[] rows, int from, int to, short[] xq, byte[] xqBytes, float[] xd, float[] out) {
        int rowQuants = groupsPerRow * GROUP_VALUES, rowScales = groupsPerRow * L, touched = 0;
        for (int k0 = from; k0 < to; k0 += RowTouch.BLOCK) {
            int k1 = Math.min(to, k0 + RowTouch.BLOCK);
            touched += RowTouch.bytes(q, rows, k0, k1, rowQuants) + RowTouch.floats(d, rows, k0, k1, rowScales);
            dotRows(q, d, groupsPerRow, rows, k0, k1, xq, xqBytes, xd, out, 0);
        }
        RowTouch.keep(touched);
    }

    /**
     * {@code y = fma(q, coeffs[k] · d, y)} for every value of the groups {@code [firstGroup, firstGroup + groups)} of
     * each row {@code rows[k]}, {@code k < count} in order, with {@code y} in grouped lane order from {@code s} on.
     * The same operation per value as the file layout's vector kernel ({@code Q8_0Kernels.axpyBlocks}), so the sums
     * are bitwise the same.
     */
    static void axpyRows(byte[] q, float[] d, int groupsPerRow, int firstGroup, int groups, int[] rows, float[] coeffs,
                         int count, float[] y, int s) {
        for (int k = 0; k < count; k++) {
            int first = rows[k] * groupsPerRow + firstGroup;
            float a = coeffs[k];
            for (int i = 0; i < groups; i++) {
                FloatVector ad = FloatVector.fromArray(F, d, (first + i) * L).mul(a);
                int runs = (first + i) * GROUP_VALUES, at = s + i * GROUP_VALUES;
                for (int v = 0; v < BLOCK; v++) {
                    IntVector run = (IntVector) ByteVector.fromArray(B, q, runs + v * L).convertShape(VectorOperators.B2I, I, 0);
                    int j = at + v * L;
                    ((FloatVector) run.convert(VectorOperators.I2F, 0)).fma(ad, FloatVector.fromArray(F, y, j)).intoArray(y, j);
                }
            }
        }
    }
}
