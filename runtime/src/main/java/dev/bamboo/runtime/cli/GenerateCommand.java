package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.generate.ContextLimit;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.model.TextGenerator;
import dev.bamboo.weights.BambooException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code bamboo generate}: continue a prompt, streaming the text to stdout; timings go to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text after a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;
    @Mixin SamplingFlags sampling;

    @Mixin PromptOptions prompt;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "256", description = "tokens to generate; -1 (or -2) = until the end of the text or of the context (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--ignore-eos", description = "never sample a stop token (end of text or of a turn; their logits are set to -inf, as llama.cpp does)")
    boolean ignoreEos;

    @Option(names = "--stats", description = "print per-layer sparsity statistics (true and selected active fraction, recall; the predictor's in predicted mode, and in dense or exact mode also the predictor's, run beside, where the model has one)")
    boolean stats;

    @Override
    public Integer call() {
        String text = prompt.text();
        GenerationOptions options = new GenerationOptions(maxTokens, sampling.options(), ignoreEos, true);
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        try (Model m = model.load()) {
            int[] ids = m.promptIds(text, true);
            if (ids.length == 0) throw new BambooException("the prompt is empty and this tokenizer adds no BOS; give a prompt with -p or -f");
            EngineOptions engineOptions = model.engineOptions().withStatistics(stats ? Statistics.FULL : Statistics.NONE);
            m.checkPromptFits(ids.length, engineOptions);
            try (TextGenerator gen = m.textGenerator(engineOptions)) {
                // as llama.cpp counts it: everything before the first evaluation, the engine's weight repacking included
                long loadNanos = System.nanoTime() - start;
                model.reportBackend(gen.engine());
                SamplingFlags.reportSeed(options.sampling(), spec.commandLine().getErr());
                Interrupt interrupt = Interrupt.install();
                interrupt.generationStarts();
                // a closed stdout (`| head`) also ends the generation: nobody reads the rest
                GenerationStats s = gen.generate(ids, options, () -> interrupt.requested() || out.checkError(), t -> {
                    out.print(t);
                    out.flush();
                });
                interrupt.generationEnds();
                out.println();
                Timings.print(spec.commandLine().getErr(), loadNanos, s, System.nanoTime() - start);
                SparsityReport.print(spec.commandLine().getErr(), gen.engine());
                boolean interrupted = s.stopReason() == GenerationStats.StopReason.CANCELLED && interrupt.requested();
                if (interrupted) spec.commandLine().getErr().println("bamboo: interrupted");
                if (s.stopReason() == GenerationStats.StopReason.CONTEXT_FULL) {
                    ContextLimit limit = m.contextLimit(gen.engine().session().contextLength());
                    spec.commandLine().getErr().println("bamboo: stopped after " + s.generatedTokens() + " tokens: the context of " + limit.context()
                            + " tokens is full" + (limit.canGrow() ? "; use a larger -c (up to " + limit.modelContext() + ") for a longer text" : " (the model's whole context)"));
                }
                if (interrupted) return Interrupt.EXIT_CODE;
            }
        }
        return 0;
    }
}
