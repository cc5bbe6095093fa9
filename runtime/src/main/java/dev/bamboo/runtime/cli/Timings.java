package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.generate.GenerationStats;

import java.io.PrintWriter;
import java.util.Locale;

/** llama.cpp-style timing lines. */
final class Timings {
    private Timings() {}

    static void print(PrintWriter err, long loadNanos, GenerationStats s, long totalNanos) {
        err.printf(Locale.ROOT, "%nbamboo:        load time = %10.2f ms%n", loadNanos / 1e6);
        err.printf(Locale.ROOT, "bamboo: prompt eval time = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)%n",
                s.promptNanos() / 1e6, s.promptTokens(), s.promptMsPerToken(), s.promptTokensPerSecond());
        err.printf(Locale.ROOT, "bamboo:        eval time = %10.2f ms / %5d runs   (%8.2f ms per token, %8.2f tokens per second)%n",
                s.evalNanos() / 1e6, s.evalRuns(), s.evalMsPerToken(), s.evalTokensPerSecond());
        err.printf(Locale.ROOT, "bamboo:       total time = %10.2f ms / %5d tokens%n", totalNanos / 1e6, s.promptTokens() + s.evalRuns());
    }
}
