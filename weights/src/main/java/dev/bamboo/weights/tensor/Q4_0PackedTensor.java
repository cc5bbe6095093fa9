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
 *
 * <p>Rows go in blocks of {@code blockRows} (see {@link Q4_0PackedKernels#rowBase}): with 1, each row's quants are
 * contiguous, which row gathers need; with {@link #ROW_BLOCK}, the quants of 32 consecutive rows are interleaved run
 * pair by run pair, in the order the row accumulation reads them, so that accumulating every row of a matrix reads
 * memory front to back ({@link #forRowRuns}).
 *
 * <p>A tensor may also be one part of longer rows ({@link Q4_0NeuronBundles#part}): row {@code r}'s groups then start
 * at group {@code r · rowGroups + firstGroup} of the arrays (in general {@code rowGroups} is the row's own length and
 * {@code firstGroup} 0). The kernels are the same; only the addresses change. Such a part multiplies whole 2–3.5×
 * slower than contiguous rows, while gathers run at the same speed (Bamboo-7B gate, 2 threads, {@code MatvecBenchmark
 * -p bundlePart=false,true}: 23.6 against 7.0 GB/s whole, 10.7 against 10.3 at 15 % of the rows; the prefetchers do
 * not follow runs of 2 KB spread 6 KB apart: bench/HISTORY.md, Load time, "Twenty-third session"), so gathering beats
 * a full product for any share of its rows ({@link #gatherLimit}).
 */
public record Q4_0PackedTensor(String name, long rows, int cols, byte[] quants, short[] scales, int blockRows, int rowGroups,
                               int firstGroup) implements Tensor {
    public Q4_0PackedTensor {
        if (blockRows != 1 && blockRows != ROW_BLOCK) throw new IllegalArgumentException("rows per block " + blockRows + ": 1 or " + ROW_BLOCK);
        int own = cols / GROUP_VALUES;
        if (firstGroup < 0 || rowGroups < firstGroup + own || blockRows != 1 && (rowGroups != own || firstGroup != 0)) {
            throw new IllegalArgumentException("groups " + firstGroup + ".." + (firstGroup + own) + " of rows of " + rowGroups + " groups, " + blockRows + " rows per block");
        }
    }

    /** Rows of their own, contiguous ({@code blockRows} 1) or interleaved ({@link #ROW_BLOCK}). */
    public Q4_0PackedTensor(String name, long rows, int cols, byte[] quants, short[] scales, int blockRows) {
        this(name, rows, cols, quants, scales, blockRows, cols / GROUP_VALUES, 0);
    }

    /** True when the rows are one part of longer rows ({@link Q4_0NeuronBundles#part}). */
    public boolean partOfRows() {
        return rowGroups != groupsPerRow();
    }

    /** Rows per block of a tensor made by {@link #forRowRuns}: the row accumulation's term block. */
    public static final int ROW_BLOCK = Q4_0PackedKernels.TERM_BLOCK;
    /** Blocks per group. */
    public static final int GROUP_BLOCKS = GroupedOrder.BLOCKS;
    static final int GROUP_VALUES = GroupedOrder.VALUES;
    private static final int BLOCK = Q4_0Tensor.BLOCK;
    private static final int BLOCK_BYTES = Q4_0Tensor.BLOCK_BYTES;
    private static final int ROW_ALIGN = 16;
    /**
     * Rows (or, in {@link #accumulateRows}, a range of row indices) per chunk in {@link #matmul} and {@link
     * #accumulateRows}: a chunk stays in L2 across the tokens. A multiple of
     * {@link Q4_0PackedKernels#TERM_BLOCK}.
     */
    private static final int ROW_CHUNK = 4 * Q4_0PackedKernels.TERM_BLOCK;
    private static final ThreadLocal<float[]> GROUPED_SUMS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<Q4_0PackedKernels.RowScratch> ROW_SCRATCH = ThreadLocal.withInitial(() -> new Q4_0PackedKernels.RowScratch(0));
    private static final ThreadLocal<float[]> ONE = ThreadLocal.withInitial(() -> new float[1]);

    @Override public GGMLType type() { return GGMLType.Q4_0; }

    /** True when {@code t} can be packed: the vector shape allows it, rows are whole groups, quants fit one array. */
    public static boolean packable(Q4_0Tensor t) {
        return Simd.QUANT_VECTORS && t.cols() % GROUP_VALUES == 0 && t.size() / 2 <= Integer.MAX_VALUE - 16;
    }

    /** Packs {@code src} (see {@link #packable}), rows spread over {@code pool}. */
    public static Q4_0PackedTensor of(Q4_0Tensor src, ComputePool pool) {
        if (!packable(src)) throw new IllegalArgumentException("tensor " + src.name() + " cannot be packed");
        byte[] quants = new byte[Math.toIntExact(src.size() / 2)];
        short[] scales = new short[Math.toIntExact(src.size() / BLOCK)];
        int groups = src.cols() / GROUP_VALUES;
        packInto(src, quants, scales, groups, 0, pool);
        return new Q4_0PackedTensor(src.name(), src.rows(), src.cols(), quants, scales, 1);
    }

    /**
     * Packs {@code src} (see {@link #packable}) into arrays whose rows are {@code rowGroups} groups long, as their
     * groups from {@code firstGroup} on ({@link Q4_0NeuronBundles}: one part of each bundle), rows spread over
     * {@code pool}.
     */
    static void packInto(Q4_0Tensor src, byte[] quants, short[] scales, int rowGroups, int firstGroup, ComputePool pool) {
        if (!packable(src)) throw new IllegalArgumentException("tensor " + src.name() + " cannot be packed");
        int blocksPerRow = src.cols() / BLOCK;
        MemorySegment file = src.data();
        pool.forRange(Math.toIntExact(src.rows()), ROW_ALIGN, (from, to) -> {
            byte[] row = new byte[blocksPerRow * BLOCK_BYTES];
            for (int r = from; r < to; r++) {
                MemorySegment.copy(file, ValueLayout.JAVA_BYTE, (long) r * row.length, row, 0, row.length);
                int rowBlocks = (r * rowGroups + firstGroup) * GROUP_BLOCKS;
                for (int b = 0; b < blocksPerRow; b++) {
                    int block = b * BLOCK_BYTES, index = rowBlocks + b;
                    int lane = index % GROUP_BLOCKS, quantBase = index / GROUP_BLOCKS * Q4_0PackedKernels.GROUP_QUANTS + lane;
                    scales[index] = BlockScales.finite(src.name(), r * blocksPerRow + b, (short) ((row[block] & 0xFF) | row[block + 1] << 8));
                    for (int k = 0; k < 16; k++) quants[quantBase + k * GROUP_BLOCKS] = (byte) (row[block + 2 + k] ^ 0x88);
                }
            }
        });
    }

    /**
     * The same values with the quants of every {@link #ROW_BLOCK} consecutive rows interleaved (the scales are shared,
     * not copied, unless the rows are {@linkplain #partOfRows part of longer ones}): for accumulating runs of
     * consecutive rows, as a dense transposed down projection does. Accumulating all rows of a Bamboo-7B {@code ffn_down_t} on 2 threads took 1.8 ms this way against 2.2–2.4 ms with each row
     * contiguous: the kernel reads 32 rows side by side, which in the row-contiguous layout is a 32-way strided walk the
     * prefetchers do not follow. Row gathers are slow in this layout (a row is spread over 32 times its size).
     */
    public Q4_0PackedTensor forRowRuns(ComputePool pool) {
        int perRow = groupsPerRow() * Q4_0PackedKernels.GROUP_QUANTS, blocks = Math.toIntExact((rows + ROW_BLOCK - 1) / ROW_BLOCK);
        byte[] out = new byte[Math.multiplyExact(blocks * ROW_BLOCK, perRow)];
        int pairs = perRow / (2 * Simd.L), pairBytes = 2 * Simd.L;
        pool.forRange(Math.toIntExact(rows), ROW_ALIGN, (from, to) -> {
            for (int r = from; r < to; r++) {
                int src = rowStart(r), dst = Q4_0PackedKernels.rowBase(r, groupsPerRow(), ROW_BLOCK);
                for (int p = 0; p < pairs; p++) {
                    System.arraycopy(quants, src + p * Q4_0PackedKernels.pairStride(blockRows), out, dst + p * Q4_0PackedKernels.pairStride(ROW_BLOCK), pairBytes);
                }
            }
        });
        return new Q4_0PackedTensor(name, rows, cols, out, partOfRows() ? ownScales(pool) : scales, ROW_BLOCK);
    }

    /**
     * The same values in arrays of their own, each row contiguous: for a {@linkplain #partOfRows part of longer rows},
     * a matrix that multiplies whole at full speed; any other tensor is returned as it is.
     */
    public Q4_0PackedTensor withOwnRows(ComputePool pool) {
        if (!partOfRows()) return this;
        int perRow = groupsPerRow() * Q4_0PackedKernels.GROUP_QUANTS;
        byte[] out = new byte[Math.multiplyExact(Math.toIntExact(rows), perRow)];
        pool.forRange(Math.toIntExact(rows), ROW_ALIGN, (from, to) -> {
            for (int r = from; r < to; r++) System.arraycopy(quants, rowStart(r), out, r * perRow, perRow);
        });
        return new Q4_0PackedTensor(name, rows, cols, out, ownScales(pool), 1);
    }

    /** Where row {@code row}'s first run pair is in {@link #quants}. */
    private int rowStart(int row) {
        return Q4_0PackedKernels.rowBase(row, rowGroups, blockRows) + firstGroup * Q4_0PackedKernels.GROUP_PAIRS * Q4_0PackedKernels.pairStride(blockRows);
    }

    /** The scales of this tensor's rows alone, in block order. */
    private short[] ownScales(ComputePool pool) {
        int rowScales = groupsPerRow() * GROUP_BLOCKS;
        short[] own = new short[Math.toIntExact(rows * rowScales)];
        pool.forRange(Math.toIntExact(rows), ROW_ALIGN, (from, to) -> {
            for (int r = from; r < to; r++) System.arraycopy(scales, (r * rowGroups + firstGroup) * GROUP_BLOCKS, own, r * rowScales, rowScales);
        });
        return own;
    }

    /** The weights in the file's Q4_0 layout, rebuilt on every call (the CPU kernels never need it). */
    @Override
    public MemorySegment data() {
        int blocks = Math.toIntExact(rows * (cols / BLOCK));
        MemorySegment out = Arena.ofAuto().allocate((long) blocks * BLOCK_BYTES);
        for (int index = 0; index < blocks; index++) {
            long block = (long) index * BLOCK_BYTES;
            out.set(ValueLayout.JAVA_SHORT_UNALIGNED, block, scales[scaleIndex(index)]);
            for (int k = 0; k < 16; k++) out.set(ValueLayout.JAVA_BYTE, block + 2 + k, (byte) (quants[quantIndex(index, k)] ^ 0x88));
        }
        return out;
    }

    private int groupsPerRow() {
        return cols / GROUP_VALUES;
    }

    @Override
    public float get(long index) {
        return blockScale(index / BLOCK) * nibble(index);
    }

    /** The quant {@code q − 8} of element {@code index} (row-major), in {@code [-8, 7]}. */
    int nibble(long index) {
        int within = (int) (index % BLOCK);
        int b = quants[quantIndex(Math.toIntExact(index / BLOCK), within % 16)];
        return within < 16 ? (b << 28) >> 28 : b >> 4;
    }

    /** Where byte {@code k} (0–15) of block {@code block} (row-major block index) is in {@link #quants}. */
    private int quantIndex(int block, int k) {
        int blocksPerRow = cols / BLOCK, row = block / blocksPerRow, inRow = block % blocksPerRow;
        int pair = inRow / GROUP_BLOCKS * Q4_0PackedKernels.GROUP_PAIRS + k / 2;
        return rowStart(row) + pair * Q4_0PackedKernels.pairStride(blockRows) + k % 2 * GROUP_BLOCKS + inRow % GROUP_BLOCKS;
    }

    /** Where the scale of block {@code block} (row-major: row · cols / 32 + block within the row) is in {@link #scales}. */
    private int scaleIndex(int block) {
        int blocksPerRow = cols / BLOCK;
        return (block / blocksPerRow * rowGroups + firstGroup) * GROUP_BLOCKS + block % blocksPerRow;
    }

    /** The scale of block {@code block} (row-major: row · cols / 32 + block within the row). */
    float blockScale(long block) {
        return Float.float16ToFloat(scales[scaleIndex(Math.toIntExact(block))]);
    }

    /** {@inheritDoc} A {@linkplain #partOfRows part of longer rows} gathers faster than it multiplies whole, however many rows. */
    @Override
    public double gatherLimit() {
        return partOfRows() ? 1.0 : Tensor.super.gatherLimit();
    }

    @Override
    public float dot(long row, ActivationVector x) {
        float[] out = ONE.get();
        int r = Math.toIntExact(row);
        Q4_0PackedKernels.dotRows(quants, scales, rowGroups, blockRows, firstGroup, groupsPerRow(), null, r, r + 1, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out, r);
        return out[0];
    }

    @Override
    public void matvec(ActivationVector x, float[] out, int from, int to) {
        Q4_0PackedKernels.dotRows(quants, scales, rowGroups, blockRows, firstGroup, groupsPerRow(), null, from, to, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out, 0);
    }

    /** Rows in chunks that stay in cache while every token takes its products from them. */
    @Override
    public void matmul(ActivationVector[] xs, float[][] outs, int from, int to) {
        for (int c = from; c < to; c += ROW_CHUNK) {
            int end = Math.min(to, c + ROW_CHUNK);
            for (int t = 0; t < xs.length; t++) {
                Q4_0PackedKernels.dotRows(quants, scales, rowGroups, blockRows, firstGroup, groupsPerRow(), null, c, end, xs[t].q8Grouped(), xs[t].q8GroupedBytes(), xs[t].q8Scales(), outs[t], 0);
            }
        }
    }

    @Override
    public void dotRows(int[] rows, int from, int to, ActivationVector x, float[] out) {
        if (blockRows == 1) {
            Q4_0PackedKernels.gatherRows(quants, scales, rowGroups, firstGroup, groupsPerRow(), rows, from, to, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out);
        } else {
            Q4_0PackedKernels.dotRows(quants, scales, rowGroups, blockRows, firstGroup, groupsPerRow(), rows, from, to, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out, 0);
        }
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        axpyRows(new int[] {Math.toIntExact(row)}, new float[] {a}, 1, y, from, to);
    }

    /**
     * The rows' sums are built in grouped order in a per-thread buffer, in 16-bit integers against 8-bit factors (see
     * {@link Q4_0PackedKernels#axpyRows}), then added to {@code y} once. Ranges that do not start and end on group
     * boundaries take the kernel's scalar twin, which gives the same bits.
     */
    @Override
    public void axpyRows(int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        if (from % GROUP_VALUES != 0 || to % GROUP_VALUES != 0) {
            Q4_0PackedKernels.axpyRowsScalar(this, rows, coeffs, count, y, from, to);
            return;
        }
        int groups = (to - from) / GROUP_VALUES;
        float[] sums = groupedSums(to - from);
        Q4_0PackedKernels.axpyRows(quants, scales, rowGroups, blockRows, firstGroup + from / GROUP_VALUES, groups, rows, coeffs, count, sums, 0, rowScratch(groups));
        GroupedOrder.addGrouped(sums, 0, y, from, to);
    }

    /**
     * Rows go in chunks of the list's rows in one range of {@link #ROW_CHUNK} row indices ({@link TermChunks}), small
     * enough to stay in cache while every token takes its terms from them. Per chunk and token, the terms with a nonzero
     * coefficient (the others are not read) go to the kernel as one list, into the token's grouped sums; each token's
     * sums are added to its output once. So a token gets bitwise what {@link #axpyRows} gives, chunk by chunk, for its
     * nonzero terms, whichever other tokens share the batch.
     */
    @Override
    public void accumulateRows(int[] rows, int count, float[][] coeffs, int tokens, float[][] outs, int from, int to) {
        boolean vector = from % GROUP_VALUES == 0 && to % GROUP_VALUES == 0;
        int width = to - from, groups = width / GROUP_VALUES;
        float[] sums = vector ? groupedSums(tokens * width) : null;
        Q4_0PackedKernels.RowScratch scratch = vector ? rowScratch(groups) : null;
        TermChunks.forEach(rows, count, coeffs, tokens, ROW_CHUNK, (t, termRows, termCoeffs, terms) -> {
            if (vector) {
                Q4_0PackedKernels.axpyRows(quants, scales, rowGroups, blockRows, firstGroup + from / GROUP_VALUES, groups, termRows, termCoeffs, terms, sums, t * width, scratch);
            } else {
                Q4_0PackedKernels.axpyRowsScalar(this, termRows, termCoeffs, terms, outs[t], from, to);
            }
        });
        if (vector) for (int t = 0; t < tokens; t++) GroupedOrder.addGrouped(sums, t * width, outs[t], from, to);
    }

    private static Q4_0PackedKernels.RowScratch rowScratch(int groups) {
        Q4_0PackedKernels.RowScratch scratch = ROW_SCRATCH.get();
        if (scratch.groups < groups) ROW_SCRATCH.set(scratch = new Q4_0PackedKernels.RowScratch(groups));
        return scratch;
    }

    /** This thread's buffer for grouped sums, zeroed over {@code [0, n)}. */
    private static float[] groupedSums(int n) {
        float[] sums = GROUPED_SUMS.get();
        if (sums.length < n) GROUPED_SUMS.set(sums = new float[n]);
        Arrays.fill(sums, 0, n, 0f);
        return sums;
    }

}
