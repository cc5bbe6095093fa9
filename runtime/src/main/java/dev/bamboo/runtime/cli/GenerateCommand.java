package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.ContextLimit;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.model.TextGenerator;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.BoundedRead;
import dev.bamboo.weights.io.IoErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code bamboo generate}: continue a prompt, streaming the text to stdout; timings go to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text after a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;
    @Mixin SamplingFlags sampling;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the prompt")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the prompt from a file (UTF-8; its final line break dropped, as llama.cpp does)")
    Path promptFile;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "256", description = "tokens to generate; -1 (or -2) = until the end of the text or of the context (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--ignore-eos", description = "never sample a stop token (end of text or of a turn; their logits are set to -inf, as llama.cpp does)")
    boolean ignoreEos;

    @Option(names = "--stats", description = "print per-layer sparsity statistics (true and selected active fraction, recall; the predictor's in predicted mode, and in dense or exact mode also the predictor's, run beside, where the model has one)")
    boolean stats;

    @Override
    public Integer call() {
        String text = promptText(prompt, promptFile);
        GenerationOptions options = new GenerationOptions(maxTokens, sampling.options(), ignoreEos, true);
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        try (Model m = Model.load(model.modelPath())) {
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
                SparsityMode mode = gen.engine().sparsity();
                gen.engine().stats().ifPresent(st -> spec.commandLine().getErr().print("\nbamboo: sparsity statistics (" + mode.label() + "; " + mode.statisticsLegend() + ")\n" + mode.statisticsTable(st)));
                gen.engine().predictorStats().ifPresent(st -> spec.commandLine().getErr().print("\nbamboo: predictor statistics (" + mode.predictorLegend() + ")\n" + st.table()));
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

    /** Prompt files larger than this are refused unread: at a few bytes per token it is many times any model's context. */
    static final int MAX_PROMPT_FILE = 64 << 20;

    static String promptText(String prompt, Path file) {
        if (prompt != null && file != null) throw new BambooException("give the prompt with -p or with -f, not both");
        if (file != null) {
            String text;
            try {
                text = BoundedRead.text(file, MAX_PROMPT_FILE);
            } catch (BoundedRead.TooLargeException e) {
                throw new BambooException(file + ": the prompt file holds more than " + BoundedRead.mib(e.limit())
                        + ", far more text than any context holds; give a shorter prompt");
            } catch (CharacterCodingException e) {
                throw new BambooException(file + ": the prompt file is not UTF-8 text; convert it to UTF-8 (e.g. with iconv)");
            } catch (NoSuchFileException e) {
                throw new BambooException(file + ": no such prompt file");
            } catch (IOException e) {
                throw new BambooException(file + ": cannot read the prompt file (" + IoErrors.reason(e) + "); check that it is a readable file");
            }
            // as llama.cpp reads -f: the file's final line break is not part of the prompt
            if (text.endsWith("\n")) text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
            return text;
        }
        if (prompt == null) throw new BambooException("no prompt: give one with -p TEXT or -f FILE");
        return ArgumentText.decoded("-p", prompt);
    }
}
