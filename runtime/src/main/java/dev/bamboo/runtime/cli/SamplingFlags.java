package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.sampling.SamplingOptions;
import picocli.CommandLine.Option;

/** llama.cpp's sampling options. */
final class SamplingFlags {
    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8", description = "temperature; 0 or less = greedy, as in llama.cpp (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "keep the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "nucleus sampling; 1.0 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "drop tokens below P × the best; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "X", defaultValue = "1.0", description = "penalise repeated tokens; 1.0 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64", description = "tokens the penalty looks back; 0 = off, -1 = context (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = {"-s", "--seed"}, paramLabel = "N", defaultValue = "-1", description = "random seed; -1 = random (default: ${DEFAULT-VALUE})")
    long seed;

    SamplingOptions options() {
        return new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
    }
}
