package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.synth.DensityMeasurement;
import dev.bamboo.runtime.synth.SynthFormat;
import dev.bamboo.runtime.synth.SynthOptions;
import dev.bamboo.runtime.synth.SynthReport;
import dev.bamboo.runtime.synth.SynthShape;
import dev.bamboo.runtime.synth.Synthesizer;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.ByteSize;
import dev.bamboo.weights.model.ParameterCount;
import dev.bamboo.weights.tensor.GGMLType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code bamboo synth}: a model file of a real model's shape with random weights, for speed measurements. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a model of a real model's shape with random weights (for benchmarks), streamed to disk.",
                "PowerInfer files get a predictor whose selected neurons are all truly active; its threshold is "
                        + "calibrated on the written file so that about --density of the FFN neurons are predicted active."})
final class SynthCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--shape", paramLabel = "NAME", required = true,
            description = "bamboo-7b, mistral-7b, relullama-7b, bamboo-1b or tiny")
    String shape;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "q4_0", description = "f16, q8_0 or q4_0 (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--format", paramLabel = "FORMAT", description = "powerinfer (PWRI, ffn_down_t, predictor) or gguf (dense); default: the shape's (gguf for mistral-7b)")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "the file to write")
    Path output;

    @Option(names = "--rank", paramLabel = "N", description = "predictor rank (default: 1024; hidden/4 for shapes narrower than 1024)")
    Integer rank;

    @Option(names = "--density", paramLabel = "X", description = "predicted-active share of FFN neurons, in (0, 1] (default: 0.15)")
    Double density;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "2", description = "generation threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--force", description = "overwrite FILE if it exists")
    boolean force;

    @Option(names = "--layers", paramLabel = "N", hidden = true, description = "override the shape's layer count (quick runs, tests)")
    Integer layers;

    @Option(names = "--calibration-tokens", paramLabel = "N", hidden = true, defaultValue = "16",
            description = "tokens per calibration/measurement pass; 0 = analytic threshold, nothing measured (default: ${DEFAULT-VALUE})")
    int calibrationTokens;

    @Override
    public Integer call() {
        SynthShape s = SynthShape.named(shape);
        if (layers != null) s = s.withLayers(layers);
        GGMLType t = SynthOptions.parseType(type);
        SynthFormat f = format == null ? s.defaultFormat() : SynthFormat.parse(format);
        if (f == SynthFormat.GGUF && (rank != null || density != null)) {
            throw new BambooException((rank != null ? "--rank" : "--density") + " sets the predictor of a PowerInfer file, and --format gguf writes a dense file without one; "
                    + "drop it, or write --format powerinfer");
        }
        SynthOptions options = new SynthOptions(s, t, f, rank != null ? rank : s.defaultRank(), density != null ? density : 0.15, seed, threads, calibrationTokens);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        SynthReport r = Synthesizer.write(output, options, force, terminal ? err : null, line -> {
            if (terminal) err.println("synth: " + line);
        });
        print(out, r);
        return 0;
    }

    private static void print(PrintWriter out, SynthReport r) {
        SynthOptions o = r.options();
        out.printf(Locale.ROOT, "wrote %s: %s %s %s, %d layers, %s, %s parameters (%.1f s)%n", r.file(), o.shape().name(),
                o.type().name().toLowerCase(Locale.ROOT), o.format().label(), o.shape().layers(), ByteSize.decimal(r.bytes()), ParameterCount.text(r.params()), r.writeSeconds());
        if (o.format() == SynthFormat.POWERINFER) {
            // %g: a density of 1e-6 is not 0.0000, and density 1's threshold (-Float.MAX_VALUE) is not 39 digits
            out.printf(Locale.ROOT, "predictor: rank %d, threshold %.6g (requested density %.4g)%n", o.rank(), r.threshold(), o.density());
        }
        r.measurement().ifPresent(m -> printMeasurement(out, m, r.calibrationSeconds()));
        out.flush();
    }


    private static void printMeasurement(PrintWriter out, DensityMeasurement m, double seconds) {
        // precision is undefined when nothing was selected
        String truly = Double.isNaN(m.precision()) ? "none selected" : String.format(Locale.ROOT, "%.2f%%", 100 * m.precision());
        out.printf(Locale.ROOT, "measured on the written file over %d tokens: predicted density %.4g (layers %.4g .. %.4g), true density %.4f, predicted neurons truly active %s (%.1f s)%n",
                m.tokens(), m.predicted(), m.minLayer(), m.maxLayer(), m.trueActive(), truly, seconds);
    }
}
