package dev.bamboo.runtime.forward;

import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.Tensor;

/**
 * Tensor primitives spread over the compute pool. Matrix products split the output rows; row accumulations split the
 * output columns, so every thread sums its columns in the same order and results never depend on the thread count.
 */
public final class ParallelOps {
    /**
     * Column ranges are multiples of this, so quantized rows are split on block boundaries, and repacked Q4_0 rows on
     * group boundaries (16 blocks of 32 with AVX-512).
     */
    public static final int COLUMN_ALIGN = 512;
    private static final int ROW_ALIGN = 16;

    private ParallelOps() {}

    /** {@code outs[t] = w · xs[t]} for {@code t < count}. */
    public static void matmul(ComputePool pool, Tensor w, ActivationVector[] xs, float[][] outs, int count) {
        ActivationVector[] in = count == xs.length ? xs : java.util.Arrays.copyOf(xs, count);
        for (ActivationVector x : in) x.prepareFor(w);
        int rows = Math.toIntExact(w.rows());
        if (count == 1) {
            pool.forRange(rows, ROW_ALIGN, (from, to) -> w.matvec(in[0], outs[0], from, to));
        } else {
            pool.forRange(rows, ROW_ALIGN, (from, to) -> w.matmul(in, outs, from, to));
        }
    }

    /** Two products with the same input and row count in one pass over the pool (key and value). */
    public static void matmul2(ComputePool pool, Tensor a, Tensor b, ActivationVector[] xs, float[][] outA, float[][] outB, int count) {
        matmul2(pool, a, b, xs, outA, outB, count, (from, to) -> {});
    }

    /**
     * {@link #matmul2}, then {@code then} on each range of rows as soon as both products have it, on the same thread
     * (the FFN's gate and up, combined into its activations: on one thread between two pool calls, the combination
     * took as long as a small matrix product).
     */
    public static void matmul2(ComputePool pool, Tensor a, Tensor b, ActivationVector[] xs, float[][] outA, float[][] outB, int count,
                               ComputePool.RangeTask then) {
        ActivationVector[] in = count == xs.length ? xs : java.util.Arrays.copyOf(xs, count);
        for (ActivationVector x : in) x.prepareFor(a).prepareFor(b);
        int rows = Math.toIntExact(a.rows());
        pool.forRange(rows, ROW_ALIGN, (from, to) -> {
            if (count == 1) {
                a.matvec(in[0], outA[0], from, to);
                b.matvec(in[0], outB[0], from, to);
            } else {
                a.matmul(in, outA, from, to);
                b.matmul(in, outB, from, to);
            }
            then.run(from, to);
        });
    }

    /**
     * {@code outs[t] += Σ_r coeffs[t][r] · w[r]} over every row {@code r} for a batch of tokens {@code t < count}: a
     * transposed down projection. Threads split the output columns, each row slice is applied to all tokens while it is
     * cached. (One token goes through {@link RowAccumulator}, which splits the rows instead.)
     */
    public static void accumulateAllRows(ComputePool pool, Tensor w, ActivationVector[] coeffs, float[][] outs, int count) {
        int rows = Math.toIntExact(w.rows());
        int[] all = allRows(rows);
        float[][] c = new float[count][];
        for (int t = 0; t < count; t++) c[t] = coeffs[t].values();
        pool.forRange(w.cols(), COLUMN_ALIGN, (from, to) -> w.accumulateRows(all, rows, c, count, outs, from, to));
    }

    /** {@code 0, 1, …, n-1} (and possibly more), shared and never written after creation: no allocation per token. */
    private static volatile int[] identity = new int[0];

    /** The row list {@code 0, 1, …, n-1} (possibly longer), shared: never write to it. */
    public static int[] allRows(int n) {
        int[] id = identity;
        if (id.length >= n) return id;
        int[] grown = new int[n];
        for (int i = 0; i < n; i++) grown[i] = i;
        identity = grown;
        return grown;
    }
}
