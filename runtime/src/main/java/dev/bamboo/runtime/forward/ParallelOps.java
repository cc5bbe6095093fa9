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

    /** One matrix of {@link #matmuls}: {@code outs[t] = w · xs[t]}. */
    public record Product(Tensor w, float[][] outs) {}

    /** {@code outs[t] = w · xs[t]} for {@code t < count}. */
    public static void matmul(ComputePool pool, Tensor w, ActivationVector[] xs, float[][] outs, int count) {
        matmuls(pool, xs, count, (from, to) -> {}, new Product(w, outs));
    }

    /**
     * Several products with the same input (query, key and value; gate and up) in one call on the pool, which saves a
     * wait for the slowest thread per extra matrix: every range of the pool takes the same share of each matrix's rows.
     * Then {@code then} runs on the range's rows of the first matrix, on the same thread, once all products have them
     * (the FFN combines gate and up into its activations there, when both have the same rows).
     */
    public static void matmuls(ComputePool pool, ActivationVector[] xs, int count, ComputePool.RangeTask then, Product... products) {
        ActivationVector[] in = count == xs.length ? xs : java.util.Arrays.copyOf(xs, count);
        int maxRows = 0;
        long bytes = 0;
        for (Product p : products) {
            for (ActivationVector x : in) x.prepareFor(p.w());
            maxRows = Math.max(maxRows, Math.toIntExact(p.w().rows()));
            bytes += p.w().rows() * p.w().rowBytes();
        }
        int units = (maxRows + ROW_ALIGN - 1) / ROW_ALIGN;
        pool.forRange(units, 1, bytes * count, (from, to) -> {
            for (Product p : products) {
                int rows = Math.toIntExact(p.w().rows());
                int first = share(rows, from, units), last = share(rows, to, units);
                if (first == last) continue;
                if (count == 1) p.w().matvec(in[0], p.outs()[0], first, last);
                else p.w().matmul(in, p.outs(), first, last);
            }
            int rows = Math.toIntExact(products[0].w().rows());
            then.run(share(rows, from, units), share(rows, to, units));
        });
    }

    /** The first row of unit {@code u} of {@code units} in a matrix of {@code rows} rows. */
    private static int share(int rows, int u, int units) {
        return (int) ((long) rows * u / units);
    }

    /**
     * {@code outs[t] += Σ_r coeffs[t][r] · w[r]} over every row {@code r} for a batch of tokens {@code t < count}: a
     * transposed down projection. Threads split the output columns, each row slice is applied to all tokens while it is
     * cached; {@code all} lists every row, {@code 0, 1, …, rows-1}. (One token goes through {@link RowAccumulator}, which
     * splits the rows instead.)
     */
    public static void accumulateAllRows(ComputePool pool, Tensor w, int[] all, ActivationVector[] coeffs, float[][] outs, int count) {
        int rows = Math.toIntExact(w.rows());
        float[][] c = new float[count][];
        for (int t = 0; t < count; t++) c[t] = coeffs[t].values();
        pool.forRange(w.cols(), COLUMN_ALIGN, rows * w.rowBytes() * count, (from, to) -> w.accumulateRows(all, rows, c, count, outs, from, to));
    }
}
