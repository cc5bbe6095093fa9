package dev.bamboo.runtime.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** {@code --predictor DIR}, the same option for every command that loads a model to run it. */
final class PredictorOption {
    @Option(names = "--predictor", paramLabel = "DIR",
            description = "a predictor directory (PowerInfer's layout, as train-predictor writes it) in place of the model's own predictor")
    Path dir;

    /** The directory given, or empty for the model's own predictor. */
    Optional<Path> value() {
        return Optional.ofNullable(dir);
    }
}
