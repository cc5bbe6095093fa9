package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Q4_0 values repacked at load for the CPU's vector unit, as llama.cpp repacks Q4_0 for AVX and NEON. Each row is cut
 * into groups of {@code G} = {@link #GROUP_BLOCKS} consecutive blocks (one per float lane). The block scales are kept
 * as the file's f16 values, in block order; a group's quants are 16 runs of {@code G} bytes, run {@code k} holding byte
 * {@code k} of each block of the group. A byte keeps value {@code k} of its block in the low nibble and value
 * {@code k + 16} in the high nibble, as in the file, but as signed nibbles {@code q − 8} (the file's nibble XOR 8).
 *
 * <p>Same size as the file's form; dot products take the Q8_0 activations in the same grouped order
 * ({@link ActivationVector}), row accumulations build their sums in grouped order and reorder them once per call.
 * Only tensors whose rows are whole groups are packed: see {@link #packable}.
 */
public record Q4_0PackedTensor(String name, long rows, int cols, byte[] quants, float[] scales) implements Tensor {
    /** Blocks per group. */
    public static final int GROUP_BLOCKS = Simd.L;
    static final int GROUP_VALUES = Q4_0PackedKernels.GROUP_VALUES;
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;
    private static final int ROW_ALIGN = 16;
    /** Rows per chunk in {@link #matmul} and {@link #accumulateRows}: a chunk stays in L2 across the tokens. */
    private static final int ROW_CHUNK = 128;
    private static final ThreadLocal<float[]> GROUPED_SUMS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ONE = ThreadLocal.withInitial(() -> new float[1]);

    @Override public GGMLType type() { return GGMLType.Q4_0; }

    /** True when {@code t} can be packed: the vector shape allows it, rows are whole groups, quants fit one array. */
    public static boolean packable(Q4_0Tensor t) {
        return Simd.QUANT_VECTORS && t.cols() % GROUP_VALUES == 0 && t.size() / 2 <= Integer.MAX_VALUE - 16;
    }

    /** Packs {@code src} (see {@link #packable}), rows spread over {@code pool}. */
    public static Q4_0PackedTensor of(Q4_0Tensor src, ComputePool pool) {
        if (!packable(src)) throw new IllegalArgumentException("tensor " + src.name() + " cannot be packed");
        int blocksPerRow = src.cols() / BLOCK;
        byte[] quants = new byte[Math.toIntExact(src.size() / 2)];
        float[] scales = new float[Math.toIntExact(src.rows() * blocksPerRow)];
        MemorySegment file = src.data();
        pool.forRange(Math.toIntExact(src.rows()), ROW_ALIGN, (from, to) -> {
            byte[] row = new byte[blocksPerRow * BLOCK_BYTES];
            for (int r = from; r < to; r++) {
                MemorySegment.copy(file, ValueLayout.JAVA_BYTE, (long) r * row.length, row, 0, row.length);
                for (int b = 0; b < blocksPerRow; b++) {
                    int block = b * BLOCK_BYTES, index = r * blocksPerRow + b;
                    int lane = index % GROUP_BLOCKS, quantBase = index / GROUP_BLOCKS * Q4_0PackedKernels.GROUP_QUANTS + lane;
                    scales[index] = Float.float16ToFloat((short) ((row[block] & 0xFF) | row[block + 1] << 8));
                    for (int k = 0; k < 16; k++) quants[quantBase + k * GROUP_BLOCKS] = (byte) (row[block + 2 + k] ^ 0x88);
                }
            }
        });
        return new Q4_0PackedTensor(src.name(), src.rows(), src.cols(), quants, scales);
    }

    /** The weights in the file's Q4_0 layout, rebuilt on every call (the CPU kernels never need it). */
    @Override
    public MemorySegment data() {
        int blocks = scales.length;
        MemorySegment out = Arena.ofAuto().allocate((long) blocks * BLOCK_BYTES);
        for (int index = 0; index < blocks; index++) {
            long block = (long) index * BLOCK_BYTES;
            out.set(ValueLayout.JAVA_SHORT_UNALIGNED, block, Float.floatToFloat16(scales[index]));
            int quantBase = index / GROUP_BLOCKS * Q4_0PackedKernels.GROUP_QUANTS + index % GROUP_BLOCKS;
            for (int k = 0; k < 16; k++) out.set(ValueLayout.JAVA_BYTE, block + 2 + k, (byte) (quants[quantBase + k * GROUP_BLOCKS] ^ 0x88));
        }
        return out;
    }

    /** Position of value {@code j} of a row (or of an activation vector) in grouped order. */
    static int grouped(int j) {
        int block = j / BLOCK, within = j % BLOCK;
        return block / GROUP_BLOCKS * GROUP_VALUES + within * GROUP_BLOCKS + block % GROUP_BLOCKS;
    }

    private int groupsPerRow() {
        return cols / GROUP_VALUES;
    }

    @Override
    public float get(long index) {
        long blockIndex = index / BLOCK;
        int within = (int) (index % BLOCK);
        float d = scales[Math.toIntExact(blockIndex)];
        long quant = blockIndex / GROUP_BLOCKS * Q4_0PackedKernels.GROUP_QUANTS + (long) (within % 16) * GROUP_BLOCKS + blockIndex % GROUP_BLOCKS;
        int b = quants[Math.toIntExact(quant)];
        int nibble = within < 16 ? b & 0xF : (b >> 4) & 0xF;
        return d * ((nibble ^ 8) - 8);
    }

    @Override
    public float dot(long row, ActivationVector x) {
        float[] out = ONE.get();
        int r = Math.toIntExact(row);
        Q4_0PackedKernels.dotRows(quants, scales, groupsPerRow(), null, r, r + 1, x.q8Grouped(), x.q8Scales(), out, r);
        return out[0];
    }

    @Override
    public void matvec(ActivationVector x, float[] out, int from, int to) {
        Q4_0PackedKernels.dotRows(quants, scales, groupsPerRow(), null, from, to, x.q8Grouped(), x.q8Scales(), out, 0);
    }

    /** Rows in chunks that stay in cache while every token takes its products from them. */
    @Override
    public void matmul(ActivationVector[] xs, float[][] outs, int from, int to) {
        for (int c = from; c < to; c += ROW_CHUNK) {
            int end = Math.min(to, c + ROW_CHUNK);
            for (int t = 0; t < xs.length; t++) {
                Q4_0PackedKernels.dotRows(quants, scales, groupsPerRow(), null, c, end, xs[t].q8Grouped(), xs[t].q8Scales(), outs[t], 0);
            }
        }
    }

    @Override
    public void dotRows(int[] rows, int from, int to, ActivationVector x, float[] out) {
        Q4_0PackedKernels.dotRows(quants, scales, groupsPerRow(), rows, from, to, x.q8Grouped(), x.q8Scales(), out, 0);
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        axpyRows(new int[] {Math.toIntExact(row)}, new float[] {a}, 1, y, from, to);
    }

    /**
     * The rows' sums are built in grouped order in a per-thread buffer, two rows per pass, then added to {@code y}
     * once. Ranges that do not start and end on group boundaries take the scalar path.
     */
    @Override
    public void axpyRows(int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        if (from % GROUP_VALUES != 0 || to % GROUP_VALUES != 0) {
            for (int k = 0; k < count; k++) {
                long base = (long) rows[k] * cols;
                for (int j = from; j < to; j++) y[j] += coeffs[k] * get(base + j);
            }
            return;
        }
        float[] sums = groupedSums(to - from);
        Q4_0PackedKernels.axpyRows(quants, scales, groupsPerRow(), from / GROUP_VALUES, (to - from) / GROUP_VALUES,
                rows, 0, count, coeffs, false, sums, 0);
        addGrouped(sums, 0, y, from, to);
    }

    /**
     * Each token's sums are built in grouped order in a per-thread buffer and added to its output once. Rows go in
     * chunks small enough to stay in cache while every token takes its terms from them.
     */
    @Override
    public void accumulateRows(int[] rows, int count, float[][] coeffs, int tokens, float[][] outs, int from, int to) {
        if (from % GROUP_VALUES != 0 || to % GROUP_VALUES != 0) {
            Tensor.super.accumulateRows(rows, count, coeffs, tokens, outs, from, to);
            return;
        }
        int width = to - from, first = from / GROUP_VALUES, groups = width / GROUP_VALUES;
        float[] sums = groupedSums(tokens * width);
        for (int c = 0; c < count; c += ROW_CHUNK) {
            int end = Math.min(count, c + ROW_CHUNK);
            for (int t = 0; t < tokens; t++) {
                Q4_0PackedKernels.axpyRows(quants, scales, groupsPerRow(), first, groups, rows, c, end, coeffs[t], true, sums, t * width);
            }
        }
        for (int t = 0; t < tokens; t++) addGrouped(sums, t * width, outs[t], from, to);
    }

    /** This thread's buffer for grouped sums, zeroed over {@code [0, n)}. */
    private static float[] groupedSums(int n) {
        float[] sums = GROUPED_SUMS.get();
        if (sums.length < n) GROUPED_SUMS.set(sums = new float[n]);
        Arrays.fill(sums, 0, n, 0f);
        return sums;
    }

    /** {@code y[j] += sums[offset + grouped(j - from)]} for {@code j} in {@code [from, to)} (whole groups). */
    private static void addGrouped(float[] sums, int offset, float[] y, int from, int to) {
        for (int g = from; g < to; g += GROUP_VALUES, offset += GROUP_VALUES) {
            for (int lane = 0; lane < GROUP_BLOCKS; lane++) {
                int block = g + lane * BLOCK;
                for (int within = 0; within < BLOCK; within++) y[block + within] += sums[offset + within * GROUP_BLOCKS + lane];
            }
        }
    }
}
