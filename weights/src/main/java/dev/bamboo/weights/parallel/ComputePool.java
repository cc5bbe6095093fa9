package dev.bamboo.weights.parallel;

import dev.bamboo.weights.BambooException;

import java.util.OptionalInt;
import java.util.function.IntConsumer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads the kernels run on ({@code -t}). Work is split into contiguous ranges; every range writes its own
 * outputs, so results never depend on the number of threads. Reductions across ranges are the caller's, in a fixed
 * order.
 *
 * <p>A decode step makes hundreds of short calls (one per matrix), so the workers are persistent and are woken by a
 * generation counter rather than through an executor's queue and futures: after each call they spin briefly
 * for the next one before parking, and the caller spins briefly for them before parking.
 *
 * <p>The ranges of a call are claimed, not assigned: the caller runs the first and then claims any range no worker has
 * started, so a worker that starts late (descheduled, which on a 2-core machine happens whenever the JIT compiler or the
 * garbage collector wants a core) does not hold the call up. Which thread runs a range never changes its result.
 */
public final class ComputePool implements AutoCloseable {

    /** Work over {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /**
     * How long a thread busy-waits before parking: covers the gaps between the matrices of one decode step, including a
     * worker's wait while the caller finishes a slower range and then the sequential work before the next call. With
     * 50 µs a worker parked about 50 times per Bamboo-7B token and each wake-up came late.
     */
    private static final long SPIN_NANOS = 500_000;

    /**
     * Below this much work (the bytes a call reads — weights, or cached keys and values — summed over its tokens) a
     * call runs on the calling thread alone: handing a call to another thread and waiting for it cost ~45 µs per call
     * on average here before ranges were claimed (an empty call costs ~1 µs, but one worker start in fifteen came
     * hundreds of µs late), more than a core needs to read 1 MB, so the demo model (products of 64–128 KB) decoded 2–3×
     * slower on 2 threads than on 1.
     */
    public static final long MIN_PARALLEL_BYTES = 1 << 20;

    private final int threads;
    /** Calls reading less than this run on the calling thread ({@link #MIN_PARALLEL_BYTES} unless chosen). */
    private final long minParallelBytes;
    private final Thread[] workers; // workers[0] is unused: the caller is the first thread of every call
    private final AtomicBoolean busy = new AtomicBoolean(); // not a reentrant lock: a task calling back into the pool must run inline
    private final AtomicInteger pending = new AtomicInteger();
    /**
     * The current call's next range to run: the call's generation (low 32 bits) in bits 32–63, its number of ranges in
     * bits 16–31, the next range in bits 0–15.
     */
    private final AtomicLong claim = new AtomicLong();

    // One call's job, published to the workers by the volatile write of generation.
    private RangeTask task;
    private int[] bounds;
    private Thread caller;
    private volatile long generation;
    private volatile Throwable failure;
    private volatile boolean closed;

    /** The most threads a pool takes: far more than any machine this runs on has cores. */
    public static final int MAX_THREADS = 512;

    public ComputePool(int threads) {
        this(threads, MIN_PARALLEL_BYTES);
    }

    /**
     * A pool whose calls split over its threads from {@code minParallelBytes} of work on; 0 splits every call that has
     * more than one range, which is how tests make small models take the parallel paths.
     */
    public ComputePool(int threads, long minParallelBytes) {
        checkThreads(threads);
        if (minParallelBytes < 0) throw new IllegalArgumentException("minParallelBytes " + minParallelBytes);
        this.minParallelBytes = minParallelBytes;
        this.threads = threads;
        this.workers = new Thread[threads];
        for (int p = 1; p < threads; p++) {
            Thread t = new Thread(this::workLoop, "bamboo-compute-" + p);
            t.setDaemon(true);
            workers[p] = t;
        }
        for (int p = 1; p < threads; p++) workers[p].start();
    }

    /**
     * Fails with a one-line message unless {@code threads} is a thread count a pool takes (1 to {@link #MAX_THREADS}).
     * More threads than processors are allowed, as in llama.cpp; they only share the cores.
     */
    public static int checkThreads(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new BambooException("-t " + threads + " is out of range: use 1 to " + MAX_THREADS + " (this machine has "
                    + Runtime.getRuntime().availableProcessors() + " processors; the default is " + defaultThreads() + ")");
        }
        return threads;
    }

    /**
     * The physical cores this process may run on ({@link CpuTopology}), and no more than the processors the JVM
     * grants it (a container's CPU quota): hyper-threads share the memory bandwidth decode is bound by. Where the system does not describe its
     * cores, half the processors of a machine with more than four, all of them otherwise.
     */
    public static int defaultThreads() {
        int logical = Runtime.getRuntime().availableProcessors();
        OptionalInt cores = CpuTopology.coresOfThisProcess();
        if (cores.isPresent()) return Math.max(1, Math.min(logical, cores.getAsInt()));
        return Math.max(1, logical > 4 ? logical / 2 : logical);
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into at most {@link #threads()} ranges whose boundaries are
     * multiples of {@code align}. The calling thread takes the first range. A call made while the pool is busy
     * (from another thread, or from inside a task) runs its ranges one after another on the calling thread.
     */
    public void forRange(int n, int align, RangeTask task) {
        forRange(n, align, Long.MAX_VALUE, task);
    }

    /**
     * {@link #forRange(int, int, RangeTask)} for a call that reads about {@code workBytes}: below the pool's threshold
     * ({@link #MIN_PARALLEL_BYTES} by default) the whole of {@code [0, n)} runs on the calling thread.
     */
    public void forRange(int n, int align, long workBytes, RangeTask task) {
        if (workBytes < minParallelBytes) {
            if (n > 0) task.run(0, n);
            return;
        }
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, align)));
        if (parts <= 1) {
            task.run(0, n);
            return;
        }
        int unitCount = (n + align - 1) / align;
        int[] bounds = new int[parts + 1];
        for (int p = 0; p <= parts; p++) bounds[p] = Math.min(n, (int) ((long) unitCount * p / parts) * align);
        if (closed || !busy.compareAndSet(false, true)) {
            for (int p = 0; p < parts; p++) task.run(bounds[p], bounds[p + 1]);
            return;
        }
        try {
            runParallel(task, bounds, parts);
        } finally {
            busy.set(false);
        }
    }

    /**
     * Runs {@code job} for every index of {@code [0, n)}, several at once: each of the pool's threads takes the next
     * index no thread has taken, until none is left, and a job's own calls on this pool run on its thread. For large,
     * independent items such as the tensors converted at load: split over all threads one after another, each item's
     * new arrays would be zeroed by the one thread that allocates them, and first touching fresh memory is what
     * loading spends most of its time on where it is slow (this project's VM: 0.5–2 GB/s a thread). A failed job stops
     * the others from taking more, and its failure is rethrown.
     */
    public void forEach(int n, IntConsumer job) {
        AtomicInteger next = new AtomicInteger();
        forRange(Math.min(n, threads), 1, (from, to) -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                try {
                    job.accept(i);
                } catch (RuntimeException | Error e) {
                    next.set(n);
                    throw e;
                }
            }
        });
    }

    private void runParallel(RangeTask task, int[] bounds, int parts) {
        this.task = task;
        this.bounds = bounds;
        this.caller = Thread.currentThread();
        this.failure = null;
        pending.set(parts - 1);
        long g = generation + 1;
        claim.set(g << 32 | (long) parts << 16 | 1);
        generation = g; // publishes the job
        for (int p = 1; p < parts; p++) LockSupport.unpark(workers[p]);
        Throwable own = null;
        try {
            task.run(bounds[0], bounds[1]);
        } catch (Throwable t) {
            own = t;
        }
        runClaimed(g);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (pending.get() != 0) {
            if (System.nanoTime() < spinUntil) Thread.onSpinWait();
            else LockSupport.park(this);
        }
        this.task = null;
        Throwable t = own != null ? own : failure;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new IllegalStateException(t);
    }

    private void workLoop() {
        long seen = 0;
        while (!closed) {
            long g = generation;
            if (g == seen) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (generation == seen && !closed) {
                    if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                continue;
            }
            seen = g;
            runClaimed(g);
        }
    }

    /**
     * Runs ranges of call {@code g} while any is unclaimed. A thread that comes late to a call (its generation already
     * passed) finds the claim moved on and runs nothing. The task and bounds are read after a range is claimed: the
     * call cannot end, and the next call cannot replace them, before that range is done.
     */
    private void runClaimed(long g) {
        while (true) {
            long c = claim.get();
            int next = (int) (c & 0xFFFF), parts = (int) (c >>> 16 & 0xFFFF);
            if (c >>> 32 != (g & 0xFFFF_FFFFL) || next >= parts) return;
            if (!claim.compareAndSet(c, c + 1)) continue;
            try {
                task.run(bounds[next], bounds[next + 1]);
            } catch (Throwable t) {
                if (failure == null) failure = t;
            }
            if (pending.decrementAndGet() == 0 && Thread.currentThread() != caller) LockSupport.unpark(caller);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (int p = 1; p < threads; p++) LockSupport.unpark(workers[p]);
    }
}
