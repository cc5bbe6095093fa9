package dev.bamboo.runtime.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code -m}: the model a command reads, else {@link DefaultModel}'s. */
final class ModelPathOption {
    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "GGUF / PowerInfer file or Hugging Face model directory (default: $BAMBOO_MODEL, else the bundled demo model)")
    Path model;

    Path path() {
        return model != null ? model : DefaultModel.path();
    }
}
