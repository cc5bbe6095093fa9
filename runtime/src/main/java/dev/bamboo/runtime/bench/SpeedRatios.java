package dev.bamboo.runtime.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Each mode's speed as a multiple of the first mode's, test by test: what {@code bench --interleave} reports. */
public final class SpeedRatios {
    private SpeedRatios() {}

    /**
     * One line per row whose test also ran in an earlier mode (same thread count), against that first mode's row:
     * {@code "tg32 t=2: predicted 12.17 t/s = 1.81× dense (6.73 t/s)"}.
     */
    public static List<String> lines(List<BenchResult> rows) {
        Map<String, BenchResult> first = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (BenchResult r : rows) {
            String key = r.test().name() + " t=" + r.threads();
            BenchResult base = first.putIfAbsent(key, r);
            if (base == null) continue;
            lines.add(String.format(Locale.ROOT, "%s: %s %.2f t/s = %.2f× %s (%.2f t/s)",
                    key, label(r, rows), r.avgTs(), r.avgTs() / base.avgTs(), label(base, rows), base.avgTs()));
        }
        return lines;
    }

    /** The row's mode, with its cache types where the rows ran more than one kind of cache (f32 then named too). */
    private static String label(BenchResult r, List<BenchResult> rows) {
        boolean severalCaches = rows.stream().map(BenchResult::cache).distinct().count() > 1;
        return severalCaches ? r.sparsity() + " kv " + r.cache().label() : r.setup();
    }
}
