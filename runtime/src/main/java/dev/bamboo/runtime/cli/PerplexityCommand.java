package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.perplexity.Perplexity;
import dev.bamboo.runtime.perplexity.PerplexityResult;
import dev.bamboo.weights.BambooException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * {@code bamboo perplexity}: a model's perplexity on a text, as llama.cpp's {@code llama-perplexity} measures it
 * ({@link Perplexity}); the estimate goes to stdout, progress and timings to stderr.
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = {"Measure the model's perplexity on a text, as llama.cpp's llama-perplexity does: the text is cut into chunks of -c tokens, "
                + "each runs from an empty cache starting with BOS, and the second half of each is scored. Running it once per --sparsity mode "
                + "shows what a predictor costs in quality. Prints 'Final estimate: PPL = X +/- E' on stdout."})
final class PerplexityCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "the text, a UTF-8 file (such as wikitext-2's wiki.test.raw)")
    Path file;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the text itself")
    String prompt;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "-1", description = "score at most N chunks (default: every chunk the text holds)")
    int maxChunks;

    @Option(names = "--stats", description = "print per-layer sparsity statistics over all the chunks' tokens, as generate --stats does")
    boolean stats;

    @Override
    public Integer call() {
        if (maxChunks == 0 || maxChunks < -1) throw new BambooException("--chunks " + maxChunks + " is out of range: use 1 or more (-1 = every chunk of the text)");
        String text = PromptOptions.text(prompt, file);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        long start = System.nanoTime();
        try (Model m = model.load()) {
            EngineOptions options = model.engineOptions().withStatistics(stats ? Statistics.FULL : Statistics.NONE);
            int chunkLength = options.resolveContext(m.config());
            Perplexity.checkChunkLength(chunkLength);
            int[] tokens = m.promptIds(text, true);
            int chunks = Perplexity.chunks(tokens.length, chunkLength, maxChunks);
            if (chunks == 0) {
                throw new BambooException("the text is " + tokens.length + " tokens long, less than one chunk of " + chunkLength
                        + " tokens (-c); give a longer text or a smaller -c");
            }
            OptionalInt bos = m.tokenizer().addBos() ? OptionalInt.of(m.tokenizer().bos()) : OptionalInt.empty();
            try (Engine engine = m.engine(options)) {
                long loadNanos = System.nanoTime() - start;
                model.reportBackend(engine);
                err.printf(Locale.ROOT, "bamboo: perplexity of %d chunks of %d tokens (the text has %d), %d tokens scored in each; sparsity %s%n",
                        chunks, chunkLength, tokens.length, Perplexity.scoredPerChunk(chunkLength), engine.sparsity().label());
                Interrupt interrupt = Interrupt.install();
                interrupt.generationStarts();
                long runStart = System.nanoTime();
                PerplexityResult r = Perplexity.measure(engine.session(), tokens, chunkLength, chunks, bos, interrupt::requested, partial -> {
                    err.printf(Locale.ROOT, "[%d]%.4f,", partial.chunks(), partial.perplexity());
                    err.flush();
                });
                interrupt.generationEnds();
                double seconds = (System.nanoTime() - runStart) / 1e9;
                err.println();
                if (r.chunks() > 0) out.printf(Locale.ROOT, "Final estimate: PPL = %.4f +/- %.5f%n", r.perplexity(), r.error());
                long run = (long) r.chunks() * (chunkLength - 1);
                err.printf(Locale.ROOT, "bamboo: load %.2f s; %d chunks, %d tokens run in %.2f s (%.2f tokens per second)%n",
                        loadNanos / 1e9, r.chunks(), run, seconds, run / seconds);
                SparsityReport.print(err, engine);
                if (r.chunks() < chunks) {
                    err.println("bamboo: interrupted after " + r.chunks() + " of " + chunks + " chunks" + (r.chunks() > 0 ? "; the estimate covers those" : ""));
                    return Interrupt.EXIT_CODE;
                }
            }
        }
        return 0;
    }
}
