package dev.bamboo.weights.parallel;

import dev.bamboo.weights.BambooException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The threads the kernels run on ({@code -t}). Work is split into contiguous ranges; every range writes its own
 * outputs, so results never depend on the number of threads. Reductions across ranges are the caller's, in a fixed
 * order.
 */
public final class ComputePool implements AutoCloseable {

    /** Work over {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService executor;

    public ComputePool(int threads) {
        if (threads < 1 || threads > 1024) {
            throw new BambooException("thread count " + threads + " is out of range: use -t between 1 and " + Runtime.getRuntime().availableProcessors());
        }
        this.threads = threads;
        this.executor = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "bamboo-compute");
            t.setDaemon(true);
            return t;
        });
    }

    /** Physical cores, as far as the JVM can tell: hyper-threads share the memory bandwidth decode is bound by. */
    public static int defaultThreads() {
        int logical = Runtime.getRuntime().availableProcessors();
        return Math.max(1, logical > 4 ? logical / 2 : logical);
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into at most {@link #threads()} ranges whose boundaries are
     * multiples of {@code align}. The calling thread takes the first range.
     */
    public void forRange(int n, int align, RangeTask task) {
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, align)));
        if (parts <= 1 || executor == null) {
            task.run(0, n);
            return;
        }
        int unitCount = (n + align - 1) / align;
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        int[] bounds = new int[parts + 1];
        for (int p = 0; p <= parts; p++) bounds[p] = Math.min(n, (int) ((long) unitCount * p / parts) * align);
        for (int p = 1; p < parts; p++) {
            int from = bounds[p], to = bounds[p + 1];
            futures.add(executor.submit(() -> task.run(from, to)));
        }
        task.run(bounds[0], bounds[1]);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BambooException("interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    @Override
    public void close() {
        if (executor != null) executor.shutdownNow();
    }
}
