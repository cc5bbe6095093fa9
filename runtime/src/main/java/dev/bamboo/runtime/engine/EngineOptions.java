package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.parallel.ComputePool;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * How a model is run.
 *
 * @param threads           compute threads ({@code -t})
 * @param contextLength     KV-cache positions ({@code -c}); 0 = the model's own, capped at {@link #DEFAULT_CONTEXT}
 * @param promptBatch       prompt tokens per forward pass
 * @param sparseThreshold   overrides the predictor's threshold when present
 * @param statistics        what to measure about sparsity per layer ({@code --stats}: {@link Statistics#FULL}, which costs extra work)
 * @param backend           where the forward pass runs ({@code --backend})
 * @param device            accelerator index ({@code --device}), -1 = the backend's default
 * @param kvCache           element types of the KV cache's keys and values ({@code --cache-type-k}, {@code --cache-type-v};
 *                          other than f32 on the CPU engine only)
 */
public record EngineOptions(int threads, int contextLength, SparsityMode sparsity, int promptBatch,
                            OptionalDouble sparseThreshold, Statistics statistics, BackendChoice backend, int device, KvCacheTypes kvCache) {
    public static final int DEFAULT_CONTEXT = 4096;

    public EngineOptions {
        Objects.requireNonNull(sparsity, "sparsity");
        Objects.requireNonNull(sparseThreshold, "sparseThreshold");
        Objects.requireNonNull(statistics, "statistics");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(kvCache, "kvCache");
        ComputePool.checkThreads(threads);
        if (contextLength < 0) throw new BambooException("-c " + contextLength + " is out of range: use a positive context size (0 = the model's)");
        if (promptBatch < 1 || promptBatch > 4096) throw new BambooException("prompt batch " + promptBatch + " is out of range: use 1 to 4096");
        if (device < -1) throw new BambooException("--device " + device + " is out of range: use a device index from 'bamboo devices'");
        if (device >= 0 && backend == BackendChoice.CPU) {
            throw new BambooException("--device " + device + " picks an accelerator, and --backend cpu runs on none; drop --device or use --backend tornado or auto");
        }
        if (sparseThreshold.isPresent() && !Double.isFinite(sparseThreshold.getAsDouble())) {
            throw new BambooException("--sparse-threshold " + sparseThreshold.getAsDouble() + " is not a finite number; give a value such as 0 or -0.5");
        }
    }

    /** The KV-cache size for a model: {@link #contextLength()}, or the model's own capped at {@link #DEFAULT_CONTEXT}. */
    public int resolveContext(ModelConfig config) {
        if (contextLength == 0) return Math.min(config.contextLength(), DEFAULT_CONTEXT);
        if (contextLength > config.contextLength()) {
            throw new BambooException("-c " + contextLength + " is larger than the model's context of " + config.contextLength() + "; use -c " + config.contextLength() + " or less");
        }
        return contextLength;
    }

    public static EngineOptions defaults() {
        return new EngineOptions(ComputePool.defaultThreads(), 0, SparsityMode.AUTO, 32, OptionalDouble.empty(), Statistics.NONE, BackendChoice.CPU, -1, KvCacheTypes.F32);
    }

    public EngineOptions withThreads(int t) {
        return new EngineOptions(t, contextLength, sparsity, promptBatch, sparseThreshold, statistics, backend, device, kvCache);
    }

    public EngineOptions withContextLength(int c) {
        return new EngineOptions(threads, c, sparsity, promptBatch, sparseThreshold, statistics, backend, device, kvCache);
    }

    public EngineOptions withSparsity(SparsityMode s) {
        return new EngineOptions(threads, contextLength, s, promptBatch, sparseThreshold, statistics, backend, device, kvCache);
    }

    public EngineOptions withSparseThreshold(OptionalDouble t) {
        return new EngineOptions(threads, contextLength, sparsity, promptBatch, t, statistics, backend, device, kvCache);
    }

    public EngineOptions withStatistics(Statistics s) {
        return new EngineOptions(threads, contextLength, sparsity, promptBatch, sparseThreshold, s, backend, device, kvCache);
    }

    public EngineOptions withBackend(BackendChoice b, int dev) {
        return new EngineOptions(threads, contextLength, sparsity, promptBatch, sparseThreshold, statistics, b, dev, kvCache);
    }

    public EngineOptions withKvCache(KvCacheTypes types) {
        return new EngineOptions(threads, contextLength, sparsity, promptBatch, sparseThreshold, statistics, backend, device, types);
    }

    public EngineOptions withPromptBatch(int b) {
        return new EngineOptions(threads, contextLength, sparsity, b, sparseThreshold, statistics, backend, device, kvCache);
    }
}
