package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.sampling.SamplingOptions;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.SplittableRandom;

/** llama.cpp's sampling options. */
final class SamplingFlags {
    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8", description = "temperature; 0 or less = greedy, as in llama.cpp (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "keep the K most likely tokens; 0 or less = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "nucleus sampling in [0, 1]; 1.0 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "drop tokens below P × the best; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "X", defaultValue = "1.0", description = "penalise repeated tokens; 1.0 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64", description = "tokens the penalty looks back; 0 = off, -1 = context (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = {"-s", "--seed"}, paramLabel = "N", defaultValue = "-1", description = "random seed; -1 = random (default: ${DEFAULT-VALUE})")
    long seed;

    /** The options, with a random seed drawn here for {@code -s -1}: {@link #reportSeed} can then say which. */
    SamplingOptions options() {
        return new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                seed == -1 ? new SplittableRandom().nextLong() >>> 33 : seed);
    }

    /**
     * Says the seed on {@code err} when {@code options} sample (as llama.cpp prints its sampler seed), so that a run
     * worth keeping can be repeated with {@code -s}. Call it once the model is loaded and the generation about to
     * start: an error before then stays the only line.
     */
    static void reportSeed(SamplingOptions options, PrintWriter err) {
        if (!options.isGreedy()) err.println("bamboo: sampler seed: " + options.seed());
    }
}
