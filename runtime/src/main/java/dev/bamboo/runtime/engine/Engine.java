package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.runtime.ffn.ExactSelector;
import dev.bamboo.runtime.ffn.FeedForward;
import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;

/** A model made runnable on the CPU: compute threads, the FFN of the chosen sparsity mode, and a session. */
public final class Engine implements AutoCloseable {
    private final ComputePool pool;
    private final SparsityMode sparsity;
    private final InferenceSession session;

    public Engine(ModelWeights weights, EngineOptions options) {
        ModelConfig config = weights.config();
        this.sparsity = options.sparsity().resolve(weights);
        int context = contextFor(config, options.contextLength());
        this.pool = new ComputePool(options.threads());
        try {
            int batch = Math.min(options.promptBatch(), context);
            FeedForward ffn = switch (sparsity) {
                case DENSE -> new DenseFeedForward(weights, pool, batch);
                case EXACT -> new SparseFeedForward(weights, pool, new ExactSelector(weights, pool), batch);
                case PREDICTED, AUTO -> throw new BambooException("--sparsity predicted is not available yet; use --sparsity exact");
            };
            this.session = new InferenceSession(weights, pool, ffn, context, batch);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    static int contextFor(ModelConfig config, int requested) {
        if (requested == 0) return Math.min(config.contextLength(), EngineOptions.DEFAULT_CONTEXT);
        if (requested > config.contextLength()) {
            throw new BambooException("-c " + requested + " is larger than the model's context of " + config.contextLength() + "; use -c " + config.contextLength() + " or less");
        }
        return requested;
    }

    public InferenceSession session() {
        return session;
    }

    /** The sparsity mode in effect (AUTO resolved). */
    public SparsityMode sparsity() {
        return sparsity;
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public void close() {
        pool.close();
    }
}
