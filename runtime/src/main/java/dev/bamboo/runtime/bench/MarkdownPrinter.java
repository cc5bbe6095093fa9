package dev.bamboo.runtime.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** llama-bench's markdown table, a row printed as each test finishes; optional sparsity and active % columns. */
public final class MarkdownPrinter implements ResultPrinter {
    private record Column(String name, int width, boolean right) {}

    private final PrintWriter out;
    private final boolean sparsity;
    private final boolean cacheTypes;
    private final List<Column> columns = new ArrayList<>();
    private boolean headerDone;

    MarkdownPrinter(PrintWriter out, boolean sparsity, boolean cacheTypes) {
        this.out = out;
        this.sparsity = sparsity;
        this.cacheTypes = cacheTypes;
        columns.add(new Column("model", 30, false));
        columns.add(new Column("size", 10, true));
        columns.add(new Column("params", 10, true));
        columns.add(new Column("backend", 10, false));
        columns.add(new Column("threads", 7, true));
        if (cacheTypes) {
            columns.add(new Column("type_k", 6, false));
            columns.add(new Column("type_v", 6, false));
        }
        if (sparsity) {
            columns.add(new Column("sparsity", 9, false));
            columns.add(new Column("active %", 8, true));
        }
        columns.add(new Column("test", 13, true));
        columns.add(new Column("t/s", 20, true));
    }

    @Override
    public void row(BenchResult r) {
        if (!headerDone) header();
        List<String> v = new ArrayList<>(List.of(r.model().type(), r.model().sizeText(), r.model().paramsText(), r.backend(), Integer.toString(r.threads())));
        if (cacheTypes) {
            v.add(r.cache().keys().label());
            v.add(r.cache().values().label());
        }
        if (sparsity) {
            v.add(r.sparsity());
            v.add(Double.isNaN(r.activeFraction()) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * r.activeFraction()));
        }
        v.add(r.test().name());
        v.add(String.format(Locale.ROOT, "%.2f ± %.2f", r.avgTs(), r.stddevTs()));
        line(v);
        out.flush();
    }

    private void header() {
        line(columns.stream().map(Column::name).toList());
        StringBuilder sb = new StringBuilder("|");
        for (Column c : columns) sb.append(" ").append(c.right() ? "-".repeat(c.width() - 1) + ":" : "-".repeat(c.width())).append(" |");
        out.println(sb);
        headerDone = true;
    }

    private void line(List<String> values) {
        StringBuilder sb = new StringBuilder("|");
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            String fmt = c.right() ? "%" + c.width() + "s" : "%-" + c.width() + "s";
            sb.append(" ").append(String.format(Locale.ROOT, fmt, values.get(i))).append(" |");
        }
        out.println(sb);
    }

    @Override
    public void finish() {
        if (!headerDone) header();
        out.flush();
    }
}
