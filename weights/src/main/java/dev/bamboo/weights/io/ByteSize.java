package dev.bamboo.weights.io;

import java.util.Locale;

/** Byte counts as people read them, the one way every report and message writes them. */
public final class ByteSize {
    private ByteSize() {}

    /** Powers of two, as file and memory sizes are given: {@code 4.11 GiB}, {@code 12.50 MiB}, {@code 3.0 KiB}. */
    public static String binary(long bytes) {
        if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    /** Powers of ten, as read rates in GB/s are given, so that bytes and rates share a unit: {@code 3.86 GB}, {@code 52.30 MB}. */
    public static String decimal(double bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }
}
