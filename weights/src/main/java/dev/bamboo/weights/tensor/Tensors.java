package dev.bamboo.weights.tensor;

import dev.bamboo.weights.BambooException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Creates the tensor class of a storage type over a slice of a file. */
public final class Tensors {
    private Tensors() {}

    /** True when Bamboo can compute with tensors of this type. */
    public static boolean supported(GGMLType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * A tensor of any shape as the 2-D view the kernels take, as safetensors and PyTorch files declare shapes: the last
     * dimension is a row, every other one multiplies the rows (a vector or scalar is one row). {@code where} starts
     * the error of a row too long to address.
     */
    public static Tensor ofShape(String name, GGMLType type, long[] shape, MemorySegment data, String where) {
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        long rows = 1;
        for (int i = 0; i < shape.length - 1; i++) rows *= shape[i];
        if (cols > Integer.MAX_VALUE) throw new BambooException(where + " has rows too long to use");
        return of(name, type, rows, (int) cols, data);
    }

    public static Tensor of(String name, GGMLType type, long rows, int cols, MemorySegment data) {
        long expected = rows * type.bytesFor(cols);
        if (data.byteSize() != expected) {
            throw new BambooException("tensor " + name + ": " + data.byteSize() + " bytes where " + type + " [" + rows + " x " + cols + "] needs " + expected);
        }
        return switch (type) {
            case F32 -> new F32Tensor(name, rows, cols, data);
            case F16 -> new F16Tensor(name, rows, cols, data);
            case BF16 -> new BF16Tensor(name, rows, cols, data);
            case Q8_0 -> new Q8_0Tensor(name, rows, cols, data);
            case Q4_0 -> new Q4_0Tensor(name, rows, cols, data);
            case Q4_1 -> new Q4_1Tensor(name, rows, cols, data);
            case Q5_0 -> new Q5_0Tensor(name, rows, cols, data);
            case Q5_1 -> new Q5_1Tensor(name, rows, cols, data);
            case Q4_K -> new Q4_KTensor(name, rows, cols, data);
            case Q5_K -> new Q5_KTensor(name, rows, cols, data);
            case Q6_K -> new Q6_KTensor(name, rows, cols, data);
            default -> throw new BambooException("tensor " + name + " has type " + type + ", which Bamboo cannot compute with; supported: "
                    + Arrays.stream(GGMLType.values()).filter(Tensors::supported).map(GGMLType::name).collect(Collectors.joining(", ")));
        };
    }

    /**
     * The form of {@code t} the CPU kernels run fastest: Q4_0 and Q8_0 repacked into {@link Q4_0PackedTensor} and {@link
     * Q8_0PackedTensor} (on the Java heap: {@link #packedBytes}) where the vector shape and row length allow, otherwise
     * {@code t} itself.
     */
    public static Tensor packForCpu(Tensor t, dev.bamboo.weights.parallel.ComputePool pool) {
        if (!packsForCpu(t)) return t;
        return t instanceof Q8_0Tensor q ? Q8_0PackedTensor.of(q, pool) : Q4_0PackedTensor.of((Q4_0Tensor) t, pool);
    }

    /** True when {@code t} is a repacked form made by {@link #packForCpu}. */
    public static boolean packed(Tensor t) {
        return t instanceof Q4_0PackedTensor || t instanceof Q8_0PackedTensor;
    }

    /**
     * {@code t} laid out for accumulating runs of consecutive rows ({@link Tensor#axpyRows} over all rows: a dense
     * transposed down projection), where its type has such a layout (repacked Q4_0: {@link Q4_0PackedTensor#forRowRuns});
     * otherwise {@code t} itself. The copy costs {@link #rowRunsBytes} more memory.
     */
    public static Tensor forRowRuns(Tensor t, dev.bamboo.weights.parallel.ComputePool pool) {
        return t instanceof Q4_0PackedTensor q && q.blockRows() == 1 ? q.forRowRuns(pool) : t;
    }

    /**
     * The memory {@link #forRowRuns} would take for {@code t}: its quants again (the scales are shared, but copied too
     * for a {@linkplain Q4_0PackedTensor#partOfRows part of longer rows}).
     */
    public static long rowRunsBytes(Tensor t) {
        if (!(t instanceof Q4_0PackedTensor q && q.blockRows() == 1)) return 0;
        long quants = (q.rows() + Q4_0PackedTensor.ROW_BLOCK - 1) / Q4_0PackedTensor.ROW_BLOCK * Q4_0PackedTensor.ROW_BLOCK * q.cols() / 2;
        return quants + (q.partOfRows() ? packedArrays(q)[1] : 0);
    }

    /**
     * True when {@code t} reads its values from a memory-mapped file ({@link #inMemory} would copy it). A repacked
     * tensor never does.
     */
    public static boolean mapped(Tensor t) {
        return !packed(t) && t.data().isMapped();
    }

    /**
     * {@code t} with its bytes copied out of the mapped file into the process's own memory ({@link AnonymousMemory}), the
     * copy split over {@code pool}'s threads and freed when {@code arena} closes; {@code t} itself when it is not {@link
     * #mapped}. The values and the kernels are the same; only where the bytes live changes.
     */
    public static Tensor inMemory(Tensor t, dev.bamboo.weights.parallel.ComputePool pool, Arena arena) {
        if (!mapped(t)) return t;
        MemorySegment from = t.data();
        long size = from.byteSize();
        MemorySegment to = AnonymousMemory.allocate(size, arena);
        int chunks = (int) ((size + COPY_CHUNK - 1) / COPY_CHUNK);
        pool.forRange(chunks, 1, (first, end) -> {
            long start = first * COPY_CHUNK, stop = Math.min(size, end * COPY_CHUNK);
            MemorySegment.copy(from, start, to, start, stop - start);
        });
        return of(t.name(), t.type(), t.rows(), t.cols(), to);
    }

    /**
     * F16 matrix {@code t} stored column by column in the process's own memory ({@link F16ColumnsTensor}), for a product
     * the forward pass only computes whole, where that layout multiplies faster: at least {@link #COLUMNS_MIN_ROWS} rows
     * of more than {@link F16Kernels#SHORT_ROW} values. Measured on 2 threads, GB/s, row-major against by columns: 4096 ×
     * 4096 (query, attention output) 18–20 against 26–29 in one run, a tie in others, 32000 × 4096 (the output) 17–21
     * against 22–35, but 1024 × 4096 (key, value, a predictor's fc1) 19–20 against 16–17 and 14336 × 1024 (its fc2,
     * whose short rows take the fastest dot product) 31–35 against 28–31 (bench/HISTORY.md, F16, "Twentieth session"). The transposition is split over {@code pool}'s threads by columns, the memory
     * freed when {@code arena} closes. Any other tensor comes back as {@link #inMemory} makes it.
     */
    public static Tensor columns(Tensor t, dev.bamboo.weights.parallel.ComputePool pool, Arena arena) {
        boolean faster = t.rows() >= COLUMNS_MIN_ROWS && t.cols() > F16Kernels.SHORT_ROW;
        if (!(t instanceof F16Tensor) || !faster || !mapped(t) || t.rows() > Integer.MAX_VALUE / 2) return inMemory(t, pool, arena);
        return F16ColumnsTensor.of((F16Tensor) t, pool, AnonymousMemory.allocate(2L * t.rows() * t.cols(), arena));
    }

    /** The fewest rows {@link #columns} stores by columns: a thread's share of fewer is too short a run per column. */
    static final int COLUMNS_MIN_ROWS = 4096;

    /**
     * Float tensor {@code t} [rows, cols] transposed into a new [cols, rows] tensor of the same type, values unchanged,
     * in memory of {@code arena}: a down projection with one contiguous row per neuron. Block-quantized types cannot be
     * transposed without requantizing.
     */
    public static Tensor transposed(Tensor t, Arena arena) {
        if (t.type().blockSize() != 1) throw new IllegalArgumentException(t.type() + " is block-quantized: tensor " + t.name() + " cannot be transposed");
        int rows = Math.toIntExact(t.rows()), cols = t.cols();
        int es = (int) t.type().bytesFor(1);
        MemorySegment src = t.data();
        MemorySegment dst = arena.allocate((long) rows * cols * es, 64);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                long from = ((long) r * cols + c) * es, to = ((long) c * rows + r) * es;
                if (es == 4) dst.set(ValueLayout.JAVA_INT_UNALIGNED, to, src.get(ValueLayout.JAVA_INT_UNALIGNED, from));
                else dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, to, src.get(ValueLayout.JAVA_SHORT_UNALIGNED, from));
            }
        }
        return of(t.name() + ".T", t.type(), cols, rows, dst);
    }

    /** Bytes per piece of an {@link #inMemory} copy: big enough to stream, small enough to share out evenly. */
    private static final long COPY_CHUNK = 4L << 20;

    /** True when {@link #packForCpu} would repack {@code t} (into a heap copy: see {@link #packedBytes}). */
    public static boolean packsForCpu(Tensor t) {
        return t instanceof Q4_0Tensor q && Q4_0PackedTensor.packable(q) || t instanceof Q8_0Tensor q8 && Q8_0PackedTensor.packable(q8);
    }

    /**
     * The heap {@link #packForCpu} takes for {@code t}: its quants and a scale per block of 32 values (Q4_0: the file's
     * f16, so the file's size; Q8_0: a float).
     */
    public static long packedBytes(Tensor t) {
        long[] arrays = packedArrays(t);
        return arrays[0] + arrays[1];
    }

    /** The two arrays of {@link #packedBytes}: the quants' bytes, then the scales'. */
    public static long[] packedArrays(Tensor t) {
        long values = t.size(), blocks = values / 32;
        return t.type() == GGMLType.Q4_0 ? new long[] {values / 2, 2 * blocks} : new long[] {values, 4 * blocks};
    }
}
