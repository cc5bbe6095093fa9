package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Loads one byte of every cache line of the rows a gather is about to compute. A gathered row is a short run the
 * prefetchers barely follow, and a dot product's vector work waiting on a missed line fills the core's scheduler, so
 * computing row after row keeps only a few lines in flight. Scalar loads with nothing waiting on them put all the lines
 * of a block of rows in flight at once; the block then computes from cache. Gathers go through their lists in blocks
 * of {@link #BLOCK} rows: touch, then compute (see {@link Q4_0PackedKernels#gatherRows} and {@link Q8_0Tensor#dotRows}
 * for what it gains; F16 gathers, which already read four rows side by side, do not gain).
 *
 * <p>The lines go across the block (line 0 of every row, then line 1, ...), not row after row: the block's rows are
 * then so many streams advancing together, which the memory system serves faster than one short run at a time.
 * Touching alone, 15 % of the 2560-byte rows of ten Bamboo-7B-shaped matrices on 2 threads, in one process: 12–16 GB/s
 * row after row, 18–25 across blocks of 8 rows and 15–21 across 16, 10–13 across 32 or 64 (more streams than the
 * prefetchers track).
 * The bench module's {@code MatvecBenchmark -p activePercent=15} measures a gather.
 */
final class RowTouch {
    private RowTouch() {}

    /** Rows per block: their lines (40 KB of a Bamboo-7B Q4_0 row block, 70 KB of Q8_0) stay in L1 or L2 until used. */
    static final int BLOCK = 16;
    private static final int LINE = 64;
    /** Where the touched bytes go, so that the JIT keeps the loads; never read. */
    @SuppressWarnings("unused")
    private static int sink;

    /**
     * Touches the rows {@code rows[k0 .. k1)} of {@code a}, each {@code rowLength} bytes from {@code rows[k] ·
     * rowLength}: line 0 of every row, then line 1 of every row, and so on. Returns the bytes read, for {@link #keep}.
     */
    static int bytes(byte[] a, int[] rows, int k0, int k1, int rowLength) {
        return bytes(a, rows, k0, k1, rowLength, 0, rowLength);
    }

    /**
     * {@link #bytes(byte[], int[], int, int, int)} for the part {@code [offset, offset + length)} of rows {@code stride}
     * bytes apart.
     */
    static int bytes(byte[] a, int[] rows, int k0, int k1, int stride, int offset, int length) {
        int touched = 0;
        for (int t = offset; t < offset + length; t += LINE) {
            for (int k = k0; k < k1; k++) touched += a[rows[k] * stride + t];
        }
        return touched;
    }

    /** {@link #bytes(byte[], int[], int, int, int)} for rows of {@code rowLength} shorts, 32 to a line. */
    static int shorts(short[] a, int[] rows, int k0, int k1, int rowLength) {
        return shorts(a, rows, k0, k1, rowLength, 0, rowLength);
    }

    /** {@link #bytes(byte[], int[], int, int, int, int, int)} for rows of shorts. */
    static int shorts(short[] a, int[] rows, int k0, int k1, int stride, int offset, int length) {
        int touched = 0;
        for (int t = offset; t < offset + length; t += LINE / Short.BYTES) {
            for (int k = k0; k < k1; k++) touched += a[rows[k] * stride + t];
        }
        return touched;
    }

    /** {@link #bytes(byte[], int[], int, int, int)} for rows of {@code rowLength} floats, 16 to a line. */
    static int floats(float[] a, int[] rows, int k0, int k1, int rowLength) {
        int touched = 0;
        for (int t = 0; t < rowLength; t += LINE / Float.BYTES) {
            for (int k = k0; k < k1; k++) touched += Float.floatToRawIntBits(a[rows[k] * rowLength + t]);
        }
        return touched;
    }

    /** {@link #bytes(byte[], int[], int, int, int)} for rows of {@code rowBytes} bytes of {@code s}. */
    static int bytes(MemorySegment s, int[] rows, int k0, int k1, long rowBytes) {
        int touched = 0;
        for (long t = 0; t < rowBytes; t += LINE) {
            for (int k = k0; k < k1; k++) touched += s.get(ValueLayout.JAVA_BYTE, rows[k] * rowBytes + t);
        }
        return touched;
    }

    /** Publishes what a gather touched (a plain store: its value does not matter). */
    static void keep(int touched) {
        sink = touched;
    }
}
