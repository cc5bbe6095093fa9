package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight matrix (or a 1-D vector, with one row) stored in one ggml format: as loaded, a zero-copy slice of a
 * memory-mapped file; the CPU engine may repack it or copy it into memory (see {@link Tensors}). Rows follow the PyTorch convention: a linear layer {@code [out, in]} has {@code out} rows
 * of {@code in} values, i.e. GGUF's ne[1] rows of ne[0] values.
 *
 * <p>The primitives below are all a forward pass needs, so model code never touches byte layouts.
 * Every type also answers {@link #get(long)}, the plain scalar decoding that the optimized kernels are tested against.
 */
public sealed interface Tensor permits F32Tensor, F16Tensor, F16ColumnsTensor, BF16Tensor, Q8_0Tensor, Q4_0Tensor, Q4_0PackedTensor,
        Q8_0PackedTensor, Q4_1Tensor, Q5_0Tensor, Q5_1Tensor, Q4_KTensor, Q5_KTensor, Q6_KTensor {

    String name();

    GGMLType type();

    long rows();

    int cols();

    /** The raw bytes in file layout. */
    MemorySegment data();

    default long size() {
        return rows() * (long) cols();
    }

    /** Element {@code index} (row-major), decoded by the scalar reference path. */
    float get(long index);

    /** Decodes row {@code row} into {@code dst[dstOffset .. dstOffset + cols)}. */
    default void dequantizeRow(long row, float[] dst, int dstOffset) {
        long base = row * cols();
        for (int j = 0; j < cols(); j++) dst[dstOffset + j] = get(base + j);
    }

    /** {@code row · x} over the whole row. */
    float dot(long row, ActivationVector x);

    /** {@code y[j] += a · row[j]} for {@code j} in {@code [from, to)}: one neuron's contribution in a transposed down projection. */
    void axpyRow(long row, float a, float[] y, int from, int to);

    /**
     * {@code y[j] += coeffs[k] · row rows[k] [j]} for {@code k < count}, in that order, for {@code j} in {@code [from,
     * to)}: the same terms as {@code count} calls of {@link #axpyRow}, but kernels may keep a slice of {@code y} in
     * registers across several rows instead of loading and storing it once per row. File-layout types give bitwise
     * the result of those calls; {@link Q4_0PackedTensor} sums the terms in 16-bit integers against 8-bit factors
     * (the rounding of Q8_0 activations) in a buffer first and adds the sum to {@code y} once.
     */
    default void axpyRows(int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        for (int k = 0; k < count; k++) axpyRow(rows[k], coeffs[k], y, from, to);
    }

    /**
     * {@code outs[t][j] += Σ_k coeffs[t][rows[k]] · row rows[k] [j]} for tokens {@code t < tokens} and {@code j} in
     * {@code [from, to)}: a batch of tokens accumulating over the same rows (a transposed down projection), each row
     * read once for all of them. A term whose coefficient is exactly zero adds nothing and is skipped, so tokens that
     * do not use a row cost nothing.
     */
    default void accumulateRows(int[] rows, int count, float[][] coeffs, int tokens, float[][] outs, int from, int to) {
        for (int k = 0; k < count; k++) {
            int r = rows[k];
            for (int t = 0; t < tokens; t++) {
                float c = coeffs[t][r];
                if (c != 0f) axpyRow(r, c, outs[t], from, to);
            }
        }
    }

    /**
     * {@code out[rows[k]] = row rows[k] · x} for {@code k} in {@code [from, to)}: the gather of a sparse FFN, which
     * reads only the rows of its active neurons.
     */
    default void dotRows(int[] rows, int from, int to, ActivationVector x, float[] out) {
        for (int k = from; k < to; k++) out[rows[k]] = dot(rows[k], x);
    }

    /** {@code out[r] = row r · x} for rows {@code [from, to)}. */
    default void matvec(ActivationVector x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) out[r] = dot(r, x);
    }

    /**
     * {@code outs[t][r] = row r · xs[t]} for rows {@code [from, to)} and every token {@code t}: a batch of tokens
     * reads each weight row once.
     */
    default void matmul(ActivationVector[] xs, float[][] outs, int from, int to) {
        for (int r = from; r < to; r++) {
            for (int t = 0; t < xs.length; t++) outs[t][r] = dot(r, xs[t]);
        }
    }

    /** Bytes of one row in this format. */
    default long rowBytes() {
        return type().bytesFor(cols());
    }

    /**
     * The share of the rows above which reading every row (a full product, or an accumulation over all rows with zero
     * coefficients) is faster than gathering the listed ones. Measured at Bamboo-7B shape, 2 threads: a gather of
     * 2.5 KB repacked Q4_0 rows costs what a full product does at 40 % of the rows (bench/HISTORY.md, Q4_0,
     * "Sixth session").
     */
    default double gatherLimit() {
        return 0.4;
    }
}
