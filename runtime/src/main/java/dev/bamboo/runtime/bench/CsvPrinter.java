package dev.bamboo.runtime.bench;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** llama-bench's CSV: a header of field names, then one row per result; every value quoted, samples joined by commas. */
public final class CsvPrinter implements ResultPrinter {
    private final PrintWriter out;
    private boolean headerDone;

    CsvPrinter(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void row(BenchResult r) {
        if (!headerDone) header();
        Map<String, Object> f = ResultFields.of(r);
        out.println(ResultFields.NAMES.stream().map(n -> quote(text(f.get(n)))).collect(Collectors.joining(",")));
        out.flush();
    }

    private void header() {
        out.println(String.join(",", ResultFields.NAMES));
        headerDone = true;
    }

    private static String text(Object v) {
        if (v == null) return "";
        if (v instanceof List<?> l) return l.stream().map(String::valueOf).collect(Collectors.joining(","));
        return String.valueOf(v);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    @Override
    public void finish() {
        if (!headerDone) header();
        out.flush();
    }
}
