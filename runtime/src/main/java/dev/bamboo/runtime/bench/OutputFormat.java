package dev.bamboo.runtime.bench;

import dev.bamboo.weights.io.Choice;

import java.io.PrintWriter;

/** {@code -o}: how results are printed. The machine formats use llama-bench's field names. */
public enum OutputFormat implements Choice {
    MD, CSV, JSON, JSONL;

    public static OutputFormat parse(String s) {
        return Choice.parse(OutputFormat.class, "-o", "an output format", s);
    }

    /**
     * A printer of this format; {@code sparsityColumns}: the markdown table shows sparsity and active % columns,
     * {@code cacheColumns}: type_k and type_v columns (as llama-bench shows them where they are not its default).
     */
    public ResultPrinter printer(PrintWriter out, boolean sparsityColumns, boolean cacheColumns) {
        return switch (this) {
            case MD -> new MarkdownPrinter(out, sparsityColumns, cacheColumns);
            case CSV -> new CsvPrinter(out);
            case JSON -> new JsonPrinter(out, false);
            case JSONL -> new JsonPrinter(out, true);
        };
    }
}
