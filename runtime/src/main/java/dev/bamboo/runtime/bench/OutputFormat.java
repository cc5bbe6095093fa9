package dev.bamboo.runtime.bench;

import dev.bamboo.weights.io.Choice;

import java.io.PrintWriter;

/** {@code -o}: how results are printed. The machine formats use llama-bench's field names. */
public enum OutputFormat implements Choice {
    MD, CSV, JSON, JSONL;

    public static OutputFormat parse(String s) {
        return Choice.parse(OutputFormat.class, "-o", "an output format", s);
    }

    /** A printer of this format; {@code sparsityColumns}: the markdown table shows sparsity and active % columns. */
    public ResultPrinter printer(PrintWriter out, boolean sparsityColumns) {
        return switch (this) {
            case MD -> new MarkdownPrinter(out, sparsityColumns);
            case CSV -> new CsvPrinter(out);
            case JSON -> new JsonPrinter(out, false);
            case JSONL -> new JsonPrinter(out, true);
        };
    }
}
