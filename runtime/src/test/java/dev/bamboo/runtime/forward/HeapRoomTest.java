package dev.bamboo.runtime.forward;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link HeapRoom#array}: what an array takes under G1, the collector {@code ./bamboo} runs. */
class HeapRoomTest {
    private static final long MIB = 1L << 20;

    @Test
    void arraysOfHalfARegionOrMoreTakeWholeRegionsWithTheirHeader() {
        long region = 4 * MIB;
        assertEquals(1000, HeapRoom.array(1000, region), "a small array takes its bytes");
        assertEquals(2 * MIB - 17, HeapRoom.array(2 * MIB - 17, region), "just under half a region, header included");
        assertEquals(region, HeapRoom.array(2 * MIB - 16, region), "half a region: a region of its own");
        // a 7B model's layer of keys at context 4096: an exact multiple of regions, which the header pushes into one more
        assertEquals(68 * MIB, HeapRoom.array(64 * MIB, region));
        assertEquals(64 * MIB, HeapRoom.array(64 * MIB - 16, region));
        assertEquals(64 * MIB, HeapRoom.array(64 * MIB, 0), "no regions: the bytes");
    }
}
