package dev.bamboo.runtime.bench;

/** Prints benchmark rows as they finish; {@link #finish()} completes the document. */
public sealed interface ResultPrinter permits MarkdownPrinter, CsvPrinter, JsonPrinter {
    void row(BenchResult r);

    void finish();
}
