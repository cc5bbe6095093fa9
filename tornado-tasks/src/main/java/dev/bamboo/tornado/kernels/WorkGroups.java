package dev.bamboo.tornado.kernels;

/**
 * Work-group conventions shared by all kernels: local arrays are sized {@link #MAX_LANES} (TornadoVM needs a
 * compile-time size), so a launch's local size must be a power of two no larger than that.
 *
 * <p>Reductions are written by hand in local memory rather than with {@code @Reduce}, whose code pocl's CPU
 * device gets wrong. They are written out inside each kernel: TornadoVM 5.2 miscompiles a local array passed to a
 * helper method (it indexes it like a heap array, header offset included), so no helper may take one.
 */
public final class WorkGroups {
    private WorkGroups() {}

    public static final int MAX_LANES = 256;
}
