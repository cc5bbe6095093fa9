package dev.bamboo.weights.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;

import static dev.bamboo.weights.tensor.Simd.B2;
import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;
import static dev.bamboo.weights.tensor.Simd.S;
import static dev.bamboo.weights.tensor.Simd.S2;

/**
 * Kernels over {@link Q4_0PackedTensor}'s layout, where vector lane {@code l} always belongs to block {@code l} of a
 * group of {@code L} blocks. One load of {@code 2L} bytes widens to the quants {@code k, k + 1} (low nibbles) and
 * {@code k + 16, k + 17} (high nibbles) of all {@code L} blocks, and the group's block scales form one vector, so
 * scaling costs one multiply per group instead of a broadcast per block. Both kernels multiply in 16-bit integer
 * lanes. Quants are signed nibbles: shifts yield {@code q − 8} directly.
 * Groups are addressed by their index {@code g} over the whole tensor: quants at {@code g · 16L}, scales at
 * {@code g · L}, as the file's f16 values, widened in the kernels by integer shifts (four vector operations per group,
 * for 10 % fewer bytes than float scales). The weights are Java arrays: the JIT compiles vector loads from arrays to
 * tighter code than loads from memory segments (measured 1.5× on these kernels).
 *
 * <p>Why the entry points work on whole row lists: C2 stops inlining once a compilation unit grows past a node budget
 * ({@code NodeCountInliningCutoff}), and a Vector API kernel inlined only in part boxes its vectors and runs 10–100×
 * slower. {@link #axpyRows} compiles to more machine code than C2 inlines into a caller ({@code InlineSmallCode}),
 * and the factor quantization it calls is over 325 bytecodes, so each is compiled alone with the whole budget;
 * {@link #dotRows} (one row per pass: two outgrow the budget) is smaller and is inlined only into the tensor's
 * one-line wrappers and into {@link #gatherRows}. Engine runs under {@code -XX:+PrintInlining} show no cutoff.
 */
final class Q4_0PackedKernels {
    private Q4_0PackedKernels() {}

    static final int HALF = 16;
    /** Values covered by one group. */
    static final int GROUP_VALUES = GroupedOrder.VALUES;
    /** Quant bytes of one group. */
    static final int GROUP_QUANTS = L * HALF;

    /** Group {@code g}'s block scales, f16 values widened exactly (finite: see {@link BlockScales}). */
    private static FloatVector scales(short[] d, int g) {
        return F16Kernels.widenFinite(ShortVector.fromArray(S, d, g * L));
    }

    /** A run pair's quants: the 2L bytes at {@code offset}, widened to 16-bit lanes. */
    private static ShortVector quantPair(byte[] q, int offset) {
        return (ShortVector) ByteVector.fromArray(B2, q, offset).convertShape(VectorOperators.B2S, S2, 0);
    }

    /**
     * Where row {@code row}'s first run pair starts: rows go in blocks of {@code blockRows}, a block's run pairs in
     * pair-major order (pair {@code p} of its rows side by side), so row {@code row}'s pair {@code p} is at {@code
     * rowBase + p · pairStride(blockRows)}. With one row per block each row is contiguous. {@code blockRows} is a power
     * of two, so the block and the place in it are masks, not divisions: every row of a product computes this, and the
     * two integer divisions cost short rows (the predictors' 1024-wide {@code fc2}) 8 % of their in-cache speed (decode,
     * bound by memory, did not change).
     */
    static int rowBase(int row, int groupsPerRow, int blockRows) {
        return (row & -blockRows) * (groupsPerRow * GROUP_QUANTS) + (row & (blockRows - 1)) * 2 * L;
    }

    /** Distance between a row's consecutive run pairs (see {@link #rowBase}). */
    static int pairStride(int blockRows) {
        return blockRows * 2 * L;
    }

    /** Run pairs per group: a group's 16 runs of {@code L} bytes, two at a time. */
    static final int GROUP_PAIRS = HALF / 2;

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
     * {@code r = k} when {@code rows} is null), over the {@code groups} groups from group {@code firstGroup} of rows
     * {@code groupsPerRow} groups long (a whole row, or one part of a {@link Q4_0NeuronBundles} row), against grouped
     * Q8_0 activation quants {@code xq} as shorts or, where that is null, {@code xqBytes} as bytes (same lane order, see
     * {@link ActivationVector#SHORT_GROUPED}) with block scales {@code xd}: row group {@code firstGroup + i} meets
     * activation group {@code i}.
     *
     * <p>The integer dot of each block is formed exactly in 16-bit lanes, two runs of quants per vector: a product is
     * at most 8 · 127 = 1016 in magnitude, and each lane adds 16 of them (≤ 16256 < 2^15) before the two partial sums of
     * a block are added as ints. Then, per block, the sum is scaled by the product of the two block scales, as llama.cpp's
     * vec_dot_q4_0_q8_0 does. Integer arithmetic is exact, so the result does not depend on the lane order. One row at a time: the activations stay in L1 (shorts), and two rows per pass would
     * outgrow C2's node budget.
     */
    static void dotRows(byte[] q, short[] d, int groupsPerRow, int blockRows, int firstGroup, int groups, int[] rows,
                        int from, int to, short[] xq, byte[] xqBytes, float[] xd, float[] out, int outShift) {
        int stride = pairStride(blockRows);
        for (int k = from; k < to; k++) {
            int row = rows == null ? k : rows[k], r = row * groupsPerRow + firstGroup;
            int base = rowBase(row, groupsPerRow, blockRows) + firstGroup * GROUP_PAIRS * stride;
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < groups; i++) {
                int g = r + i, x = i * GROUP_VALUES, pairs = base + i * GROUP_PAIRS * stride;
                ShortVector partial = ShortVector.zero(S2);
                for (int j = 0; j < HALF; j += 2) {
                    ShortVector b = quantPair(q, pairs + j / 2 * stride);
                    partial = partial.add(lowShorts(b).mul(Simd.activationPair(xq, xqBytes, x + j * L)))
                            .add(b.lanewise(VectorOperators.ASHR, 4).mul(Simd.activationPair(xq, xqBytes, x + (j + HALF) * L)));
                }
                acc = blockDots(partial).fma(scales(d, g).mul(FloatVector.fromArray(F, xd, i * L)), acc);
            }
            out[row - outShift] = Simd.sum(acc);
        }
    }

    /**
     * {@link #dotRows} over the listed rows of a tensor whose rows are contiguous ({@code blockRows = 1}; the {@code
     * groups} groups from {@code firstGroup} of rows {@code groupsPerRow} groups long), with the same results, for
     * gathers: in blocks of {@link RowTouch#BLOCK} list entries, each block's rows (quants and scales) touched before
     * they are computed. Measured on 15 % of the rows of ten Bamboo-7B-shaped matrices, 2 threads, in
     * one process: 7.9 GB/s row after row, 11.5–12.7 in blocks of 4 to 32 rows touched row by row, 9.5 when each group
     * instead touches the same group of the row four entries on; in another minute 7.5–9.2 touched row by row against
     * 10.3–12.1 touched across the block ({@link RowTouch}). For a stream (every row) touching halves the speed, and at
     * 40 % of the rows a block gather takes what a full product does ({@link Tensor#gatherLimit}).
     */
    static void gatherRows(byte[] q, short[] d, int groupsPerRow, int firstGroup, int groups, int[] rows, int from, int to,
                           short[] xq, byte[] xqBytes, float[] xd, float[] out) {
        int touched = 0;
        for (int k0 = from; k0 < to; k0 += RowTouch.BLOCK) {
            int k1 = Math.min(to, k0 + RowTouch.BLOCK);
            touched += RowTouch.bytes(q, rows, k0, k1, groupsPerRow * GROUP_QUANTS, firstGroup * GROUP_QUANTS, groups * GROUP_QUANTS)
                    + RowTouch.shorts(d, rows, k0, k1, groupsPerRow * L, firstGroup * L, groups * L);
            dotRows(q, d, groupsPerRow, 1, firstGroup, groups, rows, k0, k1, xq, xqBytes, xd, out, 0);
        }
        RowTouch.keep(touched);
    }

    /**
     * Terms per block of a row accumulation: a block's integer sums stay exact in 16-bit lanes, since
     * {@code 32 · 8 · 127 = 32512 < 2^15}.
     */
    static final int TERM_BLOCK = 32;
    /** Added before truncating a factor within ±127, so that truncation rounds half up. */
    private static final float ROUNDING_SHIFT = 128.5f;

    /** A thread's buffers for {@link #axpyRows}, sized for rows of up to {@code groups} groups. */
    static final class RowScratch {
        final int groups;
        final short[] products;
        final float[] productScales;
        final float[] inverseScales;
        final int[] rowStarts = new int[TERM_BLOCK];
        /** Each term's first run pair of the first group: see {@link #rowBase}. */
        final int[] rowQuants = new int[TERM_BLOCK];

        RowScratch(int groups) {
            this.groups = groups;
            products = new short[TERM_BLOCK * groups * 2 * L];
            productScales = new float[groups * L];
            inverseScales = new float[groups * L];
        }
    }

    /**
     * {@code sums[s ..] += Σ_k coeffs[k] · row rows[k]} over {@code k} in {@code [0, count)}, for the {@code groups}
     * groups of each row starting at its group {@code firstGroup}; rows are {@code groupsPerRow} groups long and {@code
     * sums} is in grouped lane order from {@code s} on.
     *
     * <p>In integers, as llama.cpp runs a down projection against Q8_0 activations: the terms go in blocks of {@link
     * #TERM_BLOCK} in list order. In a block, each weight block {@code b} (32 values of a row) enters with the factor
     * {@code c = a_k · d_kb}; per {@code b} these factors are quantized to 8 bits against their largest magnitude
     * ({@code p = round(127 c / max|c|)}), the nibbles are multiplied by {@code p} and summed exactly in 16-bit lanes,
     * and the block's sum is scaled back once. Transposed, the Q4_0 blocks run along the output, so without this step
     * every nibble would be converted to float and multiplied in float, and this product is bound by that work, not by
     * memory (float kernel: 2.85 ms for a Bamboo-7B {@code ffn_down_t} on 2 threads, this one 2.3 ms). The rounding
     * error is that of Q8_0 activations: per term, at most half a step, {@code max|c| / 254} of its block. {@link
     * #axpyRowsScalar} is the same computation, value by value, with identical rounding.
     */
    static void axpyRows(byte[] q, short[] d, int groupsPerRow, int blockRows, int firstGroup, int groups, int[] rows,
                         float[] coeffs, int count, float[] sums, int s, RowScratch scratch) {
        short[] p = scratch.products;
        float[] ps = scratch.productScales;
        int[] quants = scratch.rowQuants;
        int stride = pairStride(blockRows);
        for (int k0 = 0; k0 < count; k0 += TERM_BLOCK) {
            int k1 = Math.min(count, k0 + TERM_BLOCK);
            quantizeFactors(d, groupsPerRow, firstGroup, groups, rows, k0, k1, coeffs, scratch);
            for (int k = k0; k < k1; k++) quants[k - k0] = rowBase(rows[k], groupsPerRow, blockRows) + firstGroup * GROUP_PAIRS * stride;
            // per run pair of a group, all rows of the block: the 16-bit sums stay in registers, and the block's rows
            // are read side by side, many streams from memory at once (measured against row by row with the sums in
            // memory: 436 vs 750 µs for 15 % scattered rows, 2.3 vs 2.5 ms for all rows of a Bamboo-7B down_t)
            int n = k1 - k0;
            for (int i = 0; i < groups; i++) {
                FloatVector scale = FloatVector.fromArray(F, ps, i * L);
                int y = s + i * GROUP_VALUES, fi = i * TERM_BLOCK * 2 * L;
                for (int j = 0; j < HALF; j += 2) {
                    ShortVector lows = ShortVector.zero(S2), highs = ShortVector.zero(S2);
                    int pair = (i * GROUP_PAIRS + j / 2) * stride;
                    for (int k = 0; k < n; k++) {
                        ShortVector f = ShortVector.fromArray(S2, p, fi + k * 2 * L);
                        ShortVector b = quantPair(q, quants[k] + pair);
                        lows = lows.add(lowShorts(b).mul(f));
                        highs = highs.add(b.lanewise(VectorOperators.ASHR, 4).mul(f));
                    }
                    addScaled(lows, scale, sums, y + j * L);
                    addScaled(highs, scale, sums, y + (j + HALF) * L);
                }
            }
        }
    }

    /** {@code sums[y ..] += scale · pair}, the run pair's 2L integer sums in two float vectors. */
    private static void addScaled(ShortVector pair, FloatVector scale, float[] sums, int y) {
        ((FloatVector) pair.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0))
                .fma(scale, FloatVector.fromArray(F, sums, y)).intoArray(sums, y);
        ((FloatVector) pair.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0))
                .fma(scale, FloatVector.fromArray(F, sums, y + L)).intoArray(sums, y + L);
    }

    /**
     * The 8-bit factors of the term block {@code [k0, k1)}: for the {@code L} blocks of group {@code i} and term {@code
     * k}, {@code p[(i · TERM_BLOCK + k − k0) · 2L ..]} holds {@code round(a_k · d / scale)} twice over (one copy per run
     * of a run pair), with {@code scale = max_k |a_k · d| / 127} per block in {@code productScales}; {@code rowStarts}
     * gets each term's first group. Over 325 bytecodes, so C2 compiles it on its own: inlined into {@link #axpyRows}
     * it would push that unit past the node budget.
     */
    private static void quantizeFactors(short[] d, int groupsPerRow, int firstGroup, int groups, int[] rows, int k0, int k1,
                                        float[] coeffs, RowScratch scratch) {
        short[] p = scratch.products;
        float[] scales = scratch.productScales, inverses = scratch.inverseScales;
        // row by row, so that each row's scales are read as one contiguous run (the rows may be anywhere)
        Arrays.fill(inverses, 0, groups * L, 0f);
        for (int k = k0; k < k1; k++) {
            int r = rows[k] * groupsPerRow + firstGroup;
            scratch.rowStarts[k - k0] = r;
            for (int i = 0; i < groups; i++) {
                FloatVector.fromArray(F, inverses, i * L).max(scales(d, r + i).mul(coeffs[k]).abs()).intoArray(inverses, i * L);
            }
        }
        for (int i = 0; i < groups; i++) {
            FloatVector max = FloatVector.fromArray(F, inverses, i * L);
            max.div(127f).intoArray(scales, i * L);
            FloatVector.broadcast(F, 127f).div(max).blend(0f, max.compare(VectorOperators.EQ, 0f)).intoArray(inverses, i * L);
        }
        for (int k = k0; k < k1; k++) {
            int r = scratch.rowStarts[k - k0];
            for (int i = 0; i < groups; i++) {
                // round half up: truncation of a positive value (the factor is within ±127)
                FloatVector shifted = scales(d, r + i).mul(coeffs[k]).fma(FloatVector.fromArray(F, inverses, i * L), FloatVector.broadcast(F, ROUNDING_SHIFT));
                ShortVector factors = (ShortVector) ((IntVector) shifted.convert(VectorOperators.F2I, 0)).sub(128).convertShape(VectorOperators.I2S, S, 0);
                int pk = (i * TERM_BLOCK + k - k0) * 2 * L;
                factors.intoArray(p, pk);
                factors.intoArray(p, pk + L);
            }
        }
    }

    /**
     * {@link #axpyRows} value by value for columns {@code [from, to)} of the rows (any range), adding to {@code y}
     * directly; the same blocks, factors and rounding, so the results are bitwise those of the vector kernel.
     */
    static void axpyRowsScalar(Q4_0PackedTensor w, int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        int cols = w.cols();
        int[] factors = new int[TERM_BLOCK];
        float[] blockSums = new float[to - from];
        for (int k0 = 0; k0 < count; k0 += TERM_BLOCK) {
            int k1 = Math.min(count, k0 + TERM_BLOCK);
            for (int block = from / 32; block * 32 < to; block++) {
                float max = 0f;
                for (int k = k0; k < k1; k++) max = Math.max(max, Math.abs(factor(w, rows[k], block, coeffs[k])));
                float scale = max / 127f, inverse = max == 0f ? 0f : 127f / max;
                for (int k = k0; k < k1; k++) {
                    float c = factor(w, rows[k], block, coeffs[k]);
                    factors[k - k0] = (int) Math.fma(c, inverse, ROUNDING_SHIFT) - 128;
                }
                for (int j = Math.max(from, block * 32); j < Math.min(to, block * 32 + 32); j++) {
                    int sum = 0;
                    for (int k = k0; k < k1; k++) sum += factors[k - k0] * w.nibble((long) rows[k] * cols + j);
                    blockSums[j - from] = Math.fma((float) sum, scale, blockSums[j - from]);
                }
            }
        }
        for (int j = from; j < to; j++) y[j] += blockSums[j - from];
    }

    private static float factor(Q4_0PackedTensor w, int row, int block, float a) {
        return w.blockScale((long) row * (w.cols() / 32) + block) * a;
    }
}
