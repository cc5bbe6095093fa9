package dev.bamboo.weights.model;

import java.util.Locale;

/** Parameter counts as people read them: the one way {@code info}, {@code bench} and {@code synth} write them. */
public final class ParameterCount {
    private ParameterCount() {}

    /** llama-bench's params column: {@code 7.24 B}, {@code 5.82 M}, {@code 3.1 K}. */
    public static String text(long params) {
        if (params >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2f B", params / 1e9);
        if (params >= 1_000_000L) return String.format(Locale.ROOT, "%.2f M", params / 1e6);
        return String.format(Locale.ROOT, "%.1f K", params / 1e3);
    }

    /** Rounded as model names round it: {@code 7B}, {@code 6M}, {@code 120K}. */
    public static String label(long params) {
        if (params >= 1_000_000_000L) return Math.round(params / 1e9) + "B";
        if (params >= 1_000_000L) return Math.round(params / 1e6) + "M";
        return Math.max(1, Math.round(params / 1e3)) + "K";
    }
}
