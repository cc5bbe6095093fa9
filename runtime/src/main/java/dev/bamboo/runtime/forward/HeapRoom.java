package dev.bamboo.runtime.forward;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

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

    /**
     * {@link #free}, for a decision made at load about copies of {@code wanted} bytes: when they do not fit, one full
     * collection first, so that only live data counts (the garbage of opening the model would otherwise turn them down).
     */
    public static long freeAtLoad(long wanted) {
        if (wanted > free()) System.gc();
        return free();
    }

    /**
     * Heap an array of {@code bytes} takes: under G1 an array of half a region or more gets whole regions of its own,
     * header included, so a 64 MiB KV-cache layer takes 17 regions of 4 MiB (a 7B model's weights and cache under a
     * 9 GiB heap leave ~0.8 GiB unused that way, which counting their bytes alone missed: the KV cache then failed).
     */
    public static long array(long bytes) {
        return array(bytes, REGION);
    }

    /** Heap the arrays of {@code bytes} take together ({@link #array(long)} each). */
    public static long arrays(long... bytes) {
        long sum = 0;
        for (long b : bytes) sum += array(b);
        return sum;
    }

    /** {@link #array(long)} with regions of {@code region} bytes (0: no regions). */
    static long array(long bytes, long region) {
        long withHeader = bytes + ARRAY_HEADER;
        return region > 0 && withHeader >= region / 2 ? (withHeader + region - 1) / region * region : bytes;
    }

    /** An array's header, at most (mark word, class pointer, length). */
    private static final long ARRAY_HEADER = 16;

    /** G1's region size, 0 under another collector or where the JVM does not say. */
    private static final long REGION = regionSize();

    private static long regionSize() {
        try {
            var vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return "true".equals(vm.getVMOption("UseG1GC").getValue()) ? Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue()) : 0;
        } catch (RuntimeException | LinkageError e) {
            return 0; // a runtime image without jdk.management
        }
    }

    /** Bytes of heap in use now (live data and garbage not yet collected). */
    public static long used() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
