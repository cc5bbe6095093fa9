package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.generate.FiniteLogits;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.ReplacedFile;
import dev.bamboo.weights.safetensors.SafetensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code bamboo logits}: the logits at every position of a token sequence, as safetensors {@code logits} f32[n, vocab]. */
@Command(name = "logits", mixinStandardHelpOptions = true, description = "Write the logits of every position of a token sequence.")
final class LogitsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;

    @Option(names = "--ids", required = true, paramLabel = "1,2,3", description = "comma-separated token ids")
    String ids;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "safetensors file to write")
    Path output;

    @Override
    public Integer call() {
        int[] tokens = parseIds(ids);
        ReplacedFile.checkTarget(output, "-o " + output);
        // the file is opened before the forward pass, so that a folder it may not write to fails first
        try (ReplacedFile file = ReplacedFile.create(output); Model m = model.load()) {
            int vocab = m.config().vocabSize();
            for (int t : tokens) {
                if (t < 0 || t >= vocab) throw new BambooException("--ids: token id " + t + " is outside the vocabulary of " + vocab);
            }
            EngineOptions options = model.engineOptions();
            // before the engine starts: a 7B model's weights take a while to prepare
            int context = options.resolveContext(m.config());
            if (tokens.length > context) throw m.contextLimit(context).tooLong("--ids holds", tokens.length, "fewer ids");
            try (Engine engine = m.engine(options)) {
                model.reportBackend(engine);
                float[][] logits = engine.session().appendAllLogits(tokens);
                float[] flat = new float[tokens.length * vocab];
                for (int i = 0; i < tokens.length; i++) System.arraycopy(FiniteLogits.check(logits[i], i), 0, flat, i * vocab, vocab);
                SafetensorsWriter logitsFile = new SafetensorsWriter()
                        .i32("input_ids", new long[] {tokens.length}, tokens)
                        .f32("logits", new long[] {tokens.length, vocab}, flat);
                file.write(logitsFile::writeTo);
                spec.commandLine().getErr().println("bamboo: wrote logits [" + tokens.length + " x " + vocab + "] to " + output + " (sparsity " + engine.sparsity().label() + ")");
            }
        }
        return 0;
    }

    static int[] parseIds(String s) {
        String[] parts = s.split(",", -1); // -1: a trailing comma is an empty id, refused as a leading one is
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new BambooException("--ids: '" + parts[i].trim() + "' is not a token id; give comma-separated integers such as 1,415,2931");
            }
        }
        if (out.length == 0) throw new BambooException("--ids is empty");
        return out;
    }
}
