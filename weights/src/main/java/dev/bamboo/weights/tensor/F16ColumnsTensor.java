package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An F16 matrix of {@code rows × cols} stored column by column ({@code cols} runs of {@code rows} halves: its transpose),
 * for the products the forward pass only computes whole: the attention projections, an untied output, the predictors,
 * and the FFN of a model without a sparse mode (SwiGLU) ({@link Tensors#columns}). A product accumulates {@code x_j ·
 * column_j} into the output rows ({@link F16Kernels#axpy4}), a loop C2 compiles to the hardware's half-to-float
 * conversion, where a row-major product widens halves with shifts for its dot products ({@link Tensors#columns} says
 * where that is faster; Bamboo-7B F16 predicted decode 3.96–4.16 → 4.36–4.69 tokens/s: bench/HISTORY.md, F16,
 * "Twentieth session"; Mistral-7B F16 dense decode 1.60–1.67 → 1.86–1.97 with its FFN too, "Twenty-first session").
 *
 * <p>Every output value is one chain of fused multiply-adds over the columns in order, so its bits depend neither on how
 * the rows are split between threads nor on which tokens share a batch, and {@link #dot} gives them too. Rows are not
 * contiguous, so row-wise primitives (a gather's {@link #dotRows}, {@link #axpyRow}) are plain strided loops: the
 * engine never gathers from these matrices.
 */
public final class F16ColumnsTensor implements Tensor {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final String name;
    private final int rows;
    private final int cols;
    /** Column {@code j} is halves {@code [j · rows, (j + 1) · rows)}. */
    private final MemorySegment data;

    F16ColumnsTensor(String name, int rows, int cols, MemorySegment data) {
        if (data.byteSize() != 2L * rows * cols) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes for " + rows + " x " + cols + " halves");
        }
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /**
     * {@code t}'s values stored by columns in {@code to}, the transposition split over {@code pool}'s threads by columns:
     * tile by tile, each tile's rows read into an array with bulk copies, transposed there, and written out as runs of
     * its columns. (Element by element through the memory segments, the copy of a Mistral-7B F16 file, 12.74 of its
     * 13.24 GiB by columns, took 36 s; tiled, 17 s, against 12 s for a plain copy.)
     */
    static F16ColumnsTensor of(F16Tensor t, ComputePool pool, MemorySegment to) {
        int rows = Math.toIntExact(t.rows()), cols = t.cols();
        MemorySegment from = t.data();
        int chunks = (cols + TILE_COLUMNS - 1) / TILE_COLUMNS;
        pool.forRange(chunks, 1, (first, end) -> {
            short[] tile = new short[TILE_ROWS * TILE_COLUMNS], transposed = new short[TILE_ROWS * TILE_COLUMNS];
            for (int chunk = first; chunk < end; chunk++) {
                int c0 = chunk * TILE_COLUMNS, nc = Math.min(TILE_COLUMNS, cols - c0);
                for (int r0 = 0; r0 < rows; r0 += TILE_ROWS) {
                    int nr = Math.min(TILE_ROWS, rows - r0);
                    for (int r = 0; r < nr; r++) MemorySegment.copy(from, HALF, 2L * ((long) (r0 + r) * cols + c0), tile, r * nc, nc);
                    for (int c = 0; c < nc; c++) {
                        for (int r = 0; r < nr; r++) transposed[c * nr + r] = tile[r * nc + c];
                    }
                    for (int c = 0; c < nc; c++) MemorySegment.copy(transposed, c * nr, to, HALF, 2L * ((long) (c0 + c) * rows + r0), nr);
                }
            }
        });
        return new F16ColumnsTensor(t.name(), rows, cols, to);
    }

    /** A tile of {@link #of}: rows read as runs of this many halves (128 bytes), written as runs of {@link #TILE_ROWS}. */
    private static final int TILE_COLUMNS = 64;
    private static final int TILE_ROWS = 256;

    @Override public String name() { return name; }
    @Override public GGMLType type() { return GGMLType.F16; }
    @Override public long rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public MemorySegment data() { return data; }

    private float at(int row, int col) {
        return Float.float16ToFloat(data.getAtIndex(HALF, (long) col * rows + row));
    }

    @Override
    public float get(long index) {
        return at((int) (index / cols), (int) (index % cols));
    }

    /** The bits {@link #matvec} gives row {@code row}: one fused multiply-add chain over the columns in order. */
    @Override
    public float dot(long row, ActivationVector x) {
        float[] v = x.values();
        float acc = 0f;
        for (int j = 0; j < cols; j++) acc = Math.fma(v[j], at((int) row, j), acc);
        return acc;
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        for (int j = from; j < to; j++) y[j] = Math.fma(a, at((int) row, j), y[j]);
    }

    @Override
    public void matvec(ActivationVector x, float[] out, int from, int to) {
        Arrays.fill(out, from, to, 0f);
        accumulate(x.values(), out, from, to);
    }

    /** Each token's rows as {@link #matvec} computes them; the four columns of a step are read once for every token. */
    @Override
    public void matmul(ActivationVector[] xs, float[][] outs, int from, int to) {
        for (int t = 0; t < xs.length; t++) Arrays.fill(outs[t], from, to, 0f);
        int j = 0;
        for (; j + 4 <= cols; j += 4) {
            long b = (long) j * rows;
            for (int t = 0; t < xs.length; t++) {
                float[] v = xs[t].values();
                F16Kernels.axpy4(data, b, b + rows, b + 2L * rows, b + 3L * rows, v[j], v[j + 1], v[j + 2], v[j + 3], outs[t], from, to);
            }
        }
        for (; j < cols; j++) {
            for (int t = 0; t < xs.length; t++) F16Kernels.axpy(data, (long) j * rows, xs[t].values()[j], outs[t], from, to);
        }
    }

    /** {@code out[from, to) += Σ_j v_j · column_j[from, to)}, four columns per pass over the output. */
    private void accumulate(float[] v, float[] out, int from, int to) {
        int j = 0;
        for (; j + 4 <= cols; j += 4) {
            long b = (long) j * rows;
            F16Kernels.axpy4(data, b, b + rows, b + 2L * rows, b + 3L * rows, v[j], v[j + 1], v[j + 2], v[j + 3], out, from, to);
        }
        for (; j < cols; j++) F16Kernels.axpy(data, (long) j * rows, v[j], out, from, to);
    }

    @Override
    public long rowBytes() {
        return 2L * cols;
    }

    @Override
    public String toString() {
        return "F16ColumnsTensor[name=" + name + ", rows=" + rows + ", cols=" + cols + "]";
    }
}
