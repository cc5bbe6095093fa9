package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Loads one byte of every cache line of the rows a gather is about to compute. A gathered row is a short run the
 * prefetchers barely follow, and a dot product's vector work waiting on a missed line fills the core's scheduler, so
 * computing row after row keeps only a few lines in flight. Scalar loads with nothing waiting on them put all the lines
 * of a block of rows in flight at once; the block then computes from cache. Gathers go through their lists in blocks
 * of {@link #BLOCK} rows: touch, then compute (see {@link Q4_0PackedKernels#gatherRows} and {@link Q8_0Tensor#dotRows}
 * for what it gains; F16 gathers, which already read four rows side by side, do not gain). The bench module's {@code
 * MatvecBenchmark -p activePercent=15} measures a gather.
 */
final class RowTouch {
    private RowTouch() {}

    /** Rows per block: their lines (40 KB of a Bamboo-7B Q4_0 row block, 70 KB of Q8_0) stay in L1 or L2 until used. */
    static final int BLOCK = 16;
    private static final int LINE = 64;
    /** Where the touched bytes go, so that the JIT keeps the loads; never read. */
    @SuppressWarnings("unused")
    private static int sink;

    /** Touches {@code [start, start + length)} of {@code a}; returns the bytes read, for {@link #keep}. */
    static int bytes(byte[] a, int start, int length) {
        int touched = 0;
        for (int t = 0; t < length; t += LINE) touched += a[start + t];
        return touched;
    }

    /** Touches {@code [start, start + length)} of {@code a}, 16 floats to a line. */
    static int floats(float[] a, int start, int length) {
        int touched = 0;
        for (int t = 0; t < length; t += LINE / Float.BYTES) touched += Float.floatToRawIntBits(a[start + t]);
        return touched;
    }

    /** Touches the bytes {@code [start, start + length)} of {@code s}. */
    static int bytes(MemorySegment s, long start, long length) {
        int touched = 0;
        for (long t = 0; t < length; t += LINE) touched += s.get(ValueLayout.JAVA_BYTE, start + t);
        return touched;
    }

    /** Publishes what a gather touched (a plain store: its value does not matter). */
    static void keep(int touched) {
        sink = touched;
    }
}
