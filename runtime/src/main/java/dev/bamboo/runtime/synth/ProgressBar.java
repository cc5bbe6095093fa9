package dev.bamboo.runtime.synth;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on a terminal (nothing when {@code err} is null): share, bytes and write rate. */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;

    ProgressBar(PrintWriter err, long total) {
        this.err = err;
        this.total = Math.max(1, total);
    }

    synchronized void add(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (err == null || now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        double share = Math.min(1, done / (double) total);
        int filled = (int) (share * WIDTH);
        double secs = (now - start) / 1e9;
        err.printf(Locale.ROOT, "\r[%s%s] %3.0f%% %.2f / %.2f GB  %.0f MB/s ", "#".repeat(filled), ".".repeat(WIDTH - filled),
                100 * share, done / 1e9, total / 1e9, done / 1e6 / Math.max(secs, 1e-3));
        err.flush();
    }

    void finish() {
        if (err == null) return;
        err.print("\r\033[K");
        err.flush();
    }
}
