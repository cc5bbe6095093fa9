package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.ffn.SparsityMode;

import java.io.PrintWriter;

/** The per-layer tables of {@code --stats}, printed after a command has run its tokens. */
final class SparsityReport {
    private SparsityReport() {}

    /** {@code engine}'s statistics tables, if it measured any, on {@code err}. */
    static void print(PrintWriter err, Engine engine) {
        SparsityMode mode = engine.sparsity();
        engine.stats().ifPresent(st -> err.print("\nbamboo: sparsity statistics (" + mode.label() + "; " + mode.statisticsLegend() + ")\n" + mode.statisticsTable(st)));
        engine.predictorStats().ifPresent(st -> err.print("\nbamboo: predictor statistics (" + mode.predictorLegend() + ")\n" + st.table()));
    }
}
