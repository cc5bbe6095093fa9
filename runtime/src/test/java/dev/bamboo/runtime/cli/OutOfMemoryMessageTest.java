package dev.bamboo.runtime.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What an {@link OutOfMemoryError} is told as: advice that fits the heap it happened in, or none where no heap helps. */
class OutOfMemoryMessageTest {
    @Test
    void aFullHeapAsksForMoreThanItHad() {
        assertEquals("error: the Java heap is full (16880 MiB): give the JVM more (./bamboo: BAMBOO_HEAP=34g; java: -Xmx34g) or use a smaller context (-c)",
                BambooCli.outOfMemory(new OutOfMemoryError("Java heap space"), 16880L << 20));
        assertEquals("error: the Java heap is full (2048 MiB): give the JVM more (./bamboo: BAMBOO_HEAP=16g; java: -Xmx16g) or use a smaller context (-c)",
                BambooCli.outOfMemory(new OutOfMemoryError("Java heap space"), 2048L << 20));
    }

    @Test
    void anArrayBeyondJavasLimitIsNoMatterOfHeap() {
        assertEquals("error: an input is larger than Java can hold in one array (2 GiB): check the files and prompt given; no heap size helps",
                BambooCli.outOfMemory(new OutOfMemoryError("Required array size too large"), 16880L << 20));
    }
}
