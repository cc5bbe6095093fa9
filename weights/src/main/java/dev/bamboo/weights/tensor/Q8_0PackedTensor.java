package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q8_0 values repacked at load for the CPU's vector unit, the way {@link Q4_0PackedTensor} repacks Q4_0: each row is
 * cut into groups of {@code G} = {@link GroupedOrder#BLOCKS} consecutive blocks (one per float lane); a
 * group's quants are 32 runs of {@code G} bytes, run {@code v} holding value {@code v} of each block of the group, and
 * its block scales, widened to floats, are one vector. Rows are contiguous. Only tensors whose rows are whole groups
 * are packed: see {@link #packable}.
 *
 * <p>Why: in the file layout each 34-byte block needs its own widening, multiply and scale broadcast, and one core
 * computes a dot product at 14–15 GB/s from cache, below what two cores can read from memory; in this layout a
 * vector op covers values of {@code G} blocks at once (one core: 31–37 GB/s from cache; bench/HISTORY.md, Q8_0,
 * "Eighth session"). Products take the activations' Q8_0 quants in the same grouped order
 * ({@link ActivationVector}); row accumulations reorder the output slice into that order once per call. The scales as
 * floats add 2 bytes per block.
 */
public record Q8_0PackedTensor(String name, long rows, int cols, byte[] quants, float[] scales) implements Tensor {
    private static final int BLOCK = Q8_0Tensor.BLOCK;
    private static final int BLOCK_BYTES = Q8_0Tensor.BLOCK_BYTES;
    private static final int GROUP_BLOCKS = GroupedOrder.BLOCKS;
    private static final int GROUP_VALUES = GroupedOrder.VALUES;
    /** Rows per chunk in {@link #matmul} and {@link #accumulateRows}: a chunk stays in L2 across the tokens. */
    private static final int ROW_CHUNK = 64;
    private static final ThreadLocal<float[]> GROUPED = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ONE = ThreadLocal.withInitial(() -> new float[1]);

    @Override public GGMLType type() { return GGMLType.Q8_0; }

    /** True when {@code t} can be packed: the vector shape allows it, rows are whole groups, quants fit one array. */
    public static boolean packable(Q8_0Tensor t) {
        return Simd.QUANT_VECTORS && t.cols() % GROUP_VALUES == 0 && t.size() <= Integer.MAX_VALUE - 16;
    }

    /** Packs {@code src} (see {@link #packable}), rows spread over {@code pool}. */
    public static Q8_0PackedTensor of(Q8_0Tensor src, ComputePool pool) {
        if (!packable(src)) throw new IllegalArgumentException("tensor " + src.name() + " cannot be packed");
        int blocksPerRow = src.cols() / BLOCK;
        byte[] quants = new byte[Math.toIntExact(src.size())];
        float[] scales = new float[Math.toIntExact(src.rows() * blocksPerRow)];
        MemorySegment file = src.data();
        pool.forRange(Math.toIntExact(src.rows()), 16, (from, to) -> {
            byte[] row = new byte[blocksPerRow * BLOCK_BYTES];
            for (int r = from; r < to; r++) {
                MemorySegment.copy(file, ValueLayout.JAVA_BYTE, (long) r * row.length, row, 0, row.length);
                for (int b = 0; b < blocksPerRow; b++) {
                    int block = b * BLOCK_BYTES, index = r * blocksPerRow + b;
                    scales[index] = Float.float16ToFloat((short) ((row[block] & 0xFF) | row[block + 1] << 8));
                    int runs = quantIndex(index, 0);
                    for (int v = 0; v < BLOCK; v++) quants[runs + v * GROUP_BLOCKS] = row[block + 2 + v];
                }
            }
        });
        return new Q8_0PackedTensor(src.name(), src.rows(), src.cols(), quants, scales);
    }

    /** Where value {@code v} of block {@code block} (row-major block index) is in {@link #quants}. */
    private static int quantIndex(int block, int v) {
        return GroupedOrder.index(block, v);
    }

    /** The weights in the file's Q8_0 layout, rebuilt on every call (the CPU kernels never need it). */
    @Override
    public MemorySegment data() {
        MemorySegment out = Arena.ofAuto().allocate((long) scales.length * BLOCK_BYTES);
        for (int index = 0; index < scales.length; index++) {
            long block = (long) index * BLOCK_BYTES;
            out.set(ValueLayout.JAVA_SHORT_UNALIGNED, block, Float.floatToFloat16(scales[index]));
            for (int v = 0; v < BLOCK; v++) out.set(ValueLayout.JAVA_BYTE, block + 2 + v, quants[quantIndex(index, v)]);
        }
        return out;
    }

    private int groupsPerRow() {
        return cols / GROUP_VALUES;
    }

    @Override
    public float get(long index) {
        int block = Math.toIntExact(index / BLOCK);
        return scales[block] * quants[quantIndex(block, (int) (index % BLOCK))];
    }

    @Override
    public float dot(long row, ActivationVector x) {
        float[] out = ONE.get();
        int r = Math.toIntExact(row);
        Q8_0PackedKernels.dotRows(quants, scales, groupsPerRow(), null, r, r + 1, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out, r);
        return out[0];
    }

    @Override
    public void matvec(ActivationVector x, float[] out, int from, int to) {
        Q8_0PackedKernels.dotRows(quants, scales, groupsPerRow(), null, from, to, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out, 0);
    }

    /** Rows in chunks that stay in cache while every token takes its products from them. */
    @Override
    public void matmul(ActivationVector[] xs, float[][] outs, int from, int to) {
        for (int c = from; c < to; c += ROW_CHUNK) {
            int end = Math.min(to, c + ROW_CHUNK);
            for (int t = 0; t < xs.length; t++) {
                Q8_0PackedKernels.dotRows(quants, scales, groupsPerRow(), null, c, end, xs[t].q8Grouped(), xs[t].q8GroupedBytes(), xs[t].q8Scales(), outs[t], 0);
            }
        }
    }

    @Override
    public void dotRows(int[] rows, int from, int to, ActivationVector x, float[] out) {
        Q8_0PackedKernels.gatherRows(quants, scales, groupsPerRow(), rows, from, to, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out);
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        axpyRows(new int[] {Math.toIntExact(row)}, new float[] {a}, 1, y, from, to);
    }

    /**
     * Each value becomes {@code y = fma(q, a · d, y)}, in row order: what the file layout's vector kernel does, bitwise.
     * Whole groups go through the vector kernel with the slice of {@code y} reordered into grouped order and back; a
     * range that does not start and end on group boundaries is done value by value, with the same operation.
     */
    @Override
    public void axpyRows(int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        if (from % GROUP_VALUES != 0 || to % GROUP_VALUES != 0) {
            axpyRowsScalar(rows, coeffs, count, y, from, to);
            return;
        }
        float[] grouped = grouped(to - from);
        GroupedOrder.toGrouped(y, from, to, grouped, 0);
        Q8_0PackedKernels.axpyRows(quants, scales, groupsPerRow(), from / GROUP_VALUES, (to - from) / GROUP_VALUES, rows, coeffs, count, grouped, 0);
        GroupedOrder.fromGrouped(grouped, 0, y, from, to);
    }

    /**
     * Rows go in chunks of the list's rows in one range of {@link #ROW_CHUNK} row indices ({@link TermChunks}), small
     * enough to stay in cache while every token takes its terms from them; a token's terms with a nonzero coefficient
     * are applied in row order, as {@link #axpyRows} would, whichever other tokens share the batch.
     */
    @Override
    public void accumulateRows(int[] rows, int count, float[][] coeffs, int tokens, float[][] outs, int from, int to) {
        if (from % GROUP_VALUES != 0 || to % GROUP_VALUES != 0) {
            Tensor.super.accumulateRows(rows, count, coeffs, tokens, outs, from, to);
            return;
        }
        int width = to - from, groups = width / GROUP_VALUES;
        float[] grouped = grouped(tokens * width);
        for (int t = 0; t < tokens; t++) GroupedOrder.toGrouped(outs[t], from, to, grouped, t * width);
        TermChunks.forEach(rows, count, coeffs, tokens, ROW_CHUNK, (t, termRows, termCoeffs, terms) -> Q8_0PackedKernels.axpyRows(
                quants, scales, groupsPerRow(), from / GROUP_VALUES, groups, termRows, termCoeffs, terms, grouped, t * width));
        for (int t = 0; t < tokens; t++) GroupedOrder.fromGrouped(grouped, t * width, outs[t], from, to);
    }

    private void axpyRowsScalar(int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        for (int k = 0; k < count; k++) {
            int blockBase = rows[k] * (cols / BLOCK);
            for (int j = from; j < to; j++) {
                int block = blockBase + j / BLOCK;
                y[j] = Math.fma((float) quants[quantIndex(block, j % BLOCK)], coeffs[k] * scales[block], y[j]);
            }
        }
    }

    /** This thread's buffer for values in grouped order, at least {@code n} long. */
    private static float[] grouped(int n) {
        float[] buffer = GROUPED.get();
        if (buffer.length < n) GROUPED.set(buffer = new float[n]);
        return buffer;
    }

}
