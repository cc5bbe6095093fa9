package dev.bamboo.bench.jmh;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A gigabyte of off-heap memory for the read benchmarks: far above any cache, and touched page by page, so reads hit
 * memory rather than the kernel's shared zero page.
 */
final class ReadBuffer implements AutoCloseable {
    static final long BYTES = 1L << 30;

    private final Arena arena = Arena.ofShared();
    final MemorySegment data = arena.allocate(BYTES, 4096);

    ReadBuffer() {
        data.fill((byte) 1);
    }

    @Override
    public void close() {
        arena.close();
    }
}
