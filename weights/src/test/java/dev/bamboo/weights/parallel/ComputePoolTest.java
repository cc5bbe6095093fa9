package dev.bamboo.weights.parallel;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComputePoolTest {

    @Test
    void everyIndexIsCoveredOnceOverManyCalls() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (ComputePool pool = new ComputePool(threads)) {
                for (int call = 0; call < 2000; call++) {
                    int n = 1 + call % 97;
                    int align = 1 + call % 4;
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    pool.forRange(n, align, (from, to) -> {
                        assertTrue(from % align == 0, "range start aligned");
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), threads + " threads, call " + call + ", index " + i);
                }
            }
        }
    }

    @Test
    void smallWorkRunsOnTheCallingThreadInOneRange() {
        try (ComputePool pool = new ComputePool(2)) {
            List<String> ranges = new CopyOnWriteArrayList<>();
            Thread caller = Thread.currentThread();
            pool.forRange(64, 1, ComputePool.MIN_PARALLEL_BYTES - 1, (from, to) -> ranges.add(from + ".." + to + (Thread.currentThread() == caller ? " caller" : " worker")));
            assertEquals(List.of("0..64 caller"), ranges);
            ranges.clear();
            pool.forRange(64, 1, ComputePool.MIN_PARALLEL_BYTES, (from, to) -> ranges.add(from + ".." + to + (Thread.currentThread() == caller ? " caller" : " worker")));
            assertEquals(List.of("0..32 caller", "32..64 worker"), ranges.stream().sorted().toList());
        }
    }

    @Test
    void aFailingRangeFailsTheCallAndThePoolStaysUsable() {
        try (ComputePool pool = new ComputePool(3)) {
            RuntimeException e = assertThrows(IllegalArgumentException.class, () -> pool.forRange(30, 1, (from, to) -> {
                if (from > 0) throw new IllegalArgumentException("range " + from);
            }));
            assertTrue(e.getMessage().startsWith("range "));
            int[] out = new int[30];
            pool.forRange(30, 1, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = i;
            });
            for (int i = 0; i < 30; i++) assertEquals(i, out[i]);
        }
    }

    @Test
    void aNestedCallRunsInline() {
        try (ComputePool pool = new ComputePool(2)) {
            int[] out = new int[64];
            pool.forRange(8, 1, (from, to) -> {
                for (int r = from; r < to; r++) {
                    int row = r;
                    pool.forRange(8, 1, (f, t) -> {
                        for (int c = f; c < t; c++) out[row * 8 + c] += 1;
                    });
                }
            });
            for (int v : out) assertEquals(1, v);
        }
    }
}
