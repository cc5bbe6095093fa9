package dev.bamboo.runtime.forward;

/**
 * The one rule by which the CPU engine's optional heap copies (weights repacked for the vector unit, the down
 * projections' row-run copies, neuron bundles) decide whether they fit: the heap the JVM may still grow into, less a margin left for
 * everything else the process allocates (sessions' scratch, the tokenizer, the CLI's buffers). A copy that does not
 * fit is skipped, never an out-of-memory error: the engine then runs from the weights as they are.
 */
public final class HeapRoom {
    /** Left free beside the copies. */
    static final long MARGIN = 512L << 20;

    private HeapRoom() {}

    /** Bytes of heap a copy may still take; 0 when there is none to spare. */
    public static long free() {
        Runtime rt = Runtime.getRuntime();
        return Math.max(0, rt.maxMemory() - used() - MARGIN);
    }

    /** Bytes of heap in use now (live data and garbage not yet collected). */
    public static long used() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
