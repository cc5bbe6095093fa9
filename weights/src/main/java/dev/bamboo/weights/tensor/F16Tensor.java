package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * IEEE half-precision floats, little-endian.
 *
 * <p>The vector dot products ({@link F16Kernels}) widen halves with integer shifts, exact for finite values only. Whether
 * a tensor holds an infinity or NaN (no real weights do) is looked up once, on first use or by {@link
 * #findSpecialValues}, and remembered: the values of a weight tensor never change. A tensor that holds one computes
 * its dot products with the plain loops of {@link Float#float16ToFloat}; the row accumulations ({@code axpy}) are
 * exact for every half and need no look-up. Why per tensor: a check inside the kernels, on every vector of
 * every row, made a sparse Bamboo-7B layer at 15 % active 1.15× slower (bench/HISTORY.md, F16, "Eighteenth
 * session").
 */
public final class F16Tensor implements Tensor {
    static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final String name;
    private final long rows;
    private final int cols;
    private final MemorySegment data;
    /** Null until known: true when every value is finite. */
    private volatile Boolean finite;

    public F16Tensor(String name, long rows, int cols, MemorySegment data) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    @Override public String name() { return name; }
    @Override public GGMLType type() { return GGMLType.F16; }
    @Override public long rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public MemorySegment data() { return data; }

    @Override
    public float get(long index) {
        return Float.float16ToFloat(data.get(LAYOUT, index * 2));
    }

    /**
     * Looks for infinities and NaNs now, the values split over {@code pool}'s threads, so that the first product does
     * not read the whole tensor on one thread first.
     */
    public void findSpecialValues(ComputePool pool) {
        if (finite != null) return;
        long values = size();
        int chunks = (int) ((values + SCAN_CHUNK - 1) / SCAN_CHUNK);
        AtomicBoolean special = new AtomicBoolean();
        pool.forRange(chunks, 1, (first, end) -> {
            if (!F16Kernels.allFinite(data, first * SCAN_CHUNK, Math.min(values, end * SCAN_CHUNK))) special.set(true);
        });
        finite = !special.get();
    }

    /** Values per piece of {@link #findSpecialValues}. */
    private static final long SCAN_CHUNK = 1L << 20;

    /** True when the vector kernels may run: the platform has a usable vector shape and every value is finite. */
    private boolean vectors() {
        if (!Simd.FLOAT_VECTORS) return false;
        Boolean f = finite;
        return f != null ? f : findOnFirstUse();
    }

    /** The first product's search, on one thread; threads that arrive meanwhile wait for it rather than search too. */
    private synchronized boolean findOnFirstUse() {
        if (finite == null) finite = F16Kernels.allFinite(data, 0, size());
        return finite;
    }

    @Override
    public float dot(long row, ActivationVector x) {
        if (!vectors()) return dotScalar(row, x);
        return F16Kernels.dot(data, row * cols * 2L, x.halfScaled(), x.halfUnscale(), cols);
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        F16Kernels.axpy(data, row * cols, a, y, from, to);
    }

    @Override
    public void axpyRows(int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        long c = cols;
        int k = 0;
        for (; k + 4 <= count; k += 4) {
            F16Kernels.axpy4(data, rows[k] * c, rows[k + 1] * c, rows[k + 2] * c, rows[k + 3] * c,
                    coeffs[k], coeffs[k + 1], coeffs[k + 2], coeffs[k + 3], y, from, to);
        }
        for (; k < count; k++) F16Kernels.axpy(data, rows[k] * c, coeffs[k], y, from, to);
    }

    /**
     * 8 KB rows read four side by side gather well: a gather of a random share of the rows of eight Bamboo-7B-shaped
     * F16 matrices (14336 × 4096), 2 threads, took 0.58 of a full product at 40 %, 0.72 at 50 %, 0.9–1.2 at 60 %; the
     * whole sparse layer at 50 % (gate, up and down rows) went from 11.7–12.2 to 8.2–8.5 ms with this limit.
     */
    @Override
    public double gatherLimit() {
        return 0.55;
    }

    /** Four rows at a time ({@link F16Kernels#dot4}): each row's result is bitwise what {@link #dot} gives. */
    @Override
    public void dotRows(int[] rows, int from, int to, ActivationVector x, float[] out) {
        if (!vectors()) {
            Tensor.super.dotRows(rows, from, to, x, out);
            return;
        }
        float[] scaled = x.halfScaled();
        float unscale = x.halfUnscale();
        long rowBytes = cols * 2L;
        int k = from;
        for (; k + 4 <= to; k += 4) {
            int r0 = rows[k], r1 = rows[k + 1], r2 = rows[k + 2], r3 = rows[k + 3];
            F16Kernels.dot4(data, r0 * rowBytes, r1 * rowBytes, r2 * rowBytes, r3 * rowBytes, scaled, unscale, cols, out, r0, r1, r2, r3);
        }
        for (; k < to; k++) out[rows[k]] = F16Kernels.dot(data, rows[k] * rowBytes, scaled, unscale, cols);
    }

    @Override
    public void matvec(ActivationVector x, float[] out, int from, int to) {
        if (!vectors()) {
            for (int r = from; r < to; r++) out[r] = dotScalar(r, x);
            return;
        }
        float[] scaled = x.halfScaled();
        float unscale = x.halfUnscale();
        // two rows at a time (F16Kernels.dot2); rows of up to SHORT_ROW values keep dot's chunked loop, which is its fastest
        long rowBytes = cols * 2L;
        int r = from;
        if (cols > F16Kernels.SHORT_ROW) {
            for (; r + 2 <= to; r += 2) F16Kernels.dot2(data, r * rowBytes, (r + 1) * rowBytes, scaled, unscale, cols, out, r);
        }
        for (; r < to; r++) out[r] = F16Kernels.dot(data, r * rowBytes, scaled, unscale, cols);
    }

    /** Each row once for the batch, widened once for every four tokens ({@link F16Kernels#dotTokens4}). */
    @Override
    public void matmul(ActivationVector[] xs, float[][] outs, int from, int to) {
        if (!vectors()) {
            Tensor.super.matmul(xs, outs, from, to);
            return;
        }
        int tokens = xs.length;
        float[][] scaled = new float[tokens][];
        float[] unscale = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            scaled[t] = xs[t].halfScaled();
            unscale[t] = xs[t].halfUnscale();
        }
        long rowBytes = cols * 2L;
        for (int r = from; r < to; r++) {
            int t = 0;
            for (; t + 4 <= tokens; t += 4) F16Kernels.dotTokens4(data, r * rowBytes, scaled, unscale, t, cols, outs, r);
            for (; t < tokens; t++) outs[t][r] = F16Kernels.dot(data, r * rowBytes, scaled[t], unscale[t], cols);
        }
    }

    // The plain loops: tensors holding infinities or NaNs, and platforms without a usable vector shape.

    private float dotScalar(long row, ActivationVector x) {
        return F16Kernels.dotScalar(data, row * cols * 2L, x.values(), cols);
    }

    @Override
    public String toString() {
        return "F16Tensor[name=" + name + ", rows=" + rows + ", cols=" + cols + "]";
    }
}
