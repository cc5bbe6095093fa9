package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.parallel.ComputePool;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.OptionalDouble;

/** Options every command that runs a model shares. */
final class ModelOptions {
    /** The command this mixin is part of: its parent is the top-level {@code bamboo} with --backend and --device. */
    @Spec(Spec.Target.MIXEE) CommandSpec command;

    @Mixin ModelPathOption model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "compute threads (default: physical cores)")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", description = "context size in tokens (default: the model's, at most 4096)")
    int contextLength;

    @Option(names = "--sparsity", paramLabel = "MODE", defaultValue = "auto",
            description = "FFN mode: dense, exact (ReLU models, lossless), predicted (activation predictor), auto (default: "
                    + "predicted when the model has a predictor, else exact for ReLU FFNs, else dense)")
    String sparsity;

    @Mixin SparseThresholdOption sparseThreshold;

    @Mixin KvCacheOptions kvCache;

    @Mixin PredictorOption predictor;

    /** The model of {@code -m}, with {@code --predictor}'s predictors where given. */
    Model load() {
        return Model.load(model.path(), predictor.value());
    }

    /** The engine's notes: why {@code --backend auto} runs on the CPU, memory spent on layouts, ... */
    void reportBackend(Engine engine) {
        engine.notes().forEach(n -> command.commandLine().getErr().println("bamboo: " + n));
    }

    private BambooCli root() {
        return BambooCli.root(command);
    }

    EngineOptions engineOptions() {
        int t = threads == null ? ComputePool.defaultThreads() : threads; // EngineOptions checks it
        OptionalDouble threshold = sparseThreshold.value();
        return EngineOptions.defaults().withThreads(t).withContextLength(contextLength)
                .withSparsity(SparsityMode.parse(sparsity)).withSparseThreshold(threshold)
                .withBackend(root().backend, root().device).withKvCache(kvCache.types());
    }
}
