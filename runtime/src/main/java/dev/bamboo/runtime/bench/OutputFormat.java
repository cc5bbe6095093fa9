package dev.bamboo.runtime.bench;

import dev.bamboo.weights.BambooException;

import java.io.PrintWriter;
import java.util.Locale;

/** {@code -o}: how results are printed. The machine formats use llama-bench's field names. */
public enum OutputFormat {
    MD, CSV, JSON, JSONL;

    public static OutputFormat parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BambooException("-o '" + s + "' is not an output format; use md, csv, json or jsonl");
        }
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
