package dev.bamboo.weights.parallel;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

    /** Ranges are claimed by whichever thread comes first, but a worker that is running takes its share. */
    @Test
    void workersTakeRangesOfLargeCalls() {
        try (ComputePool pool = new ComputePool(2)) {
            Thread caller = Thread.currentThread();
            List<String> runners = new CopyOnWriteArrayList<>();
            for (int call = 0; call < 20; call++) {
                pool.forRange(2, 1, (from, to) -> {
                    runners.add(Thread.currentThread() == caller ? "caller" : Thread.currentThread().getName());
                    try {
                        Thread.sleep(2); // the caller's own range takes long enough for any running worker to claim the other
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertEquals(40, runners.size());
            assertTrue(runners.contains("bamboo-compute-1"), "no range ran on the worker: " + runners);
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
            List<String> split = ranges.stream().sorted().toList();
            assertEquals(2, split.size(), split.toString());
            assertEquals("0..32 caller", split.get(0));
            // the second range goes to whichever thread claims it first: the worker, or the caller if the worker is late
            assertTrue(split.get(1).startsWith("32..64 "), split.toString());
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

    /**
     * forEach: every index once, items taken by several threads at a time (so that each item's allocations are made by
     * the thread that works on it), an item's own calls on the pool run on its thread, and a failure stops the rest.
     */
    @Test
    void forEachRunsEveryItemOnceSeveralAtATime() throws InterruptedException {
        for (int threads : new int[] {1, 2, 3}) {
            try (ComputePool pool = new ComputePool(threads)) {
                int n = 40;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                Set<String> runners = ConcurrentHashMap.newKeySet();
                pool.forEach(n, i -> {
                    String runner = Thread.currentThread().getName();
                    runners.add(runner);
                    // a nested call runs all of its ranges on the item's own thread
                    pool.forRange(4, 1, (from, to) -> assertEquals(runner, Thread.currentThread().getName()));
                    hits.incrementAndGet(i);
                    sleepBriefly();
                });
                for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), threads + " threads, item " + i);
                assertEquals(threads, runners.size(), "threads that took items: " + runners);
                pool.forEach(0, i -> { throw new AssertionError("no items"); });
            }
        }
    }

    @Test
    void aFailingItemStopsTheOthersAndFailsTheCall() {
        try (ComputePool pool = new ComputePool(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(1000);
            RuntimeException e = assertThrows(IllegalStateException.class, () -> pool.forEach(1000, i -> {
                hits.incrementAndGet(i);
                if (i == 3) throw new IllegalStateException("item " + i);
                sleepBriefly();
            }));
            assertEquals("item 3", e.getMessage());
            int ran = 0;
            for (int i = 0; i < 1000; i++) ran += hits.get(i);
            assertTrue(ran < 20, ran + " items ran after the failure");
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
