package dev.bamboo.runtime.engine;

import dev.bamboo.predictor.ActivationPredictor;
import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.runtime.ffn.AllNeurons;
import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.runtime.ffn.MeasuredSelector;
import dev.bamboo.runtime.ffn.NeuronSelector;
import dev.bamboo.runtime.ffn.PredictedSelector;
import dev.bamboo.runtime.ffn.ExactSelector;
import dev.bamboo.runtime.ffn.FeedForward;
import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.CpuSession;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;

import java.util.Optional;

/** A model made runnable on the CPU: compute threads, the FFN of the chosen sparsity mode, and a session. */
public final class Engine implements AutoCloseable {
    private final ComputePool pool;
    private final SparsityMode sparsity;
    private final InferenceSession session;
    private final SparsityStats stats;

    public Engine(ModelWeights weights, EngineOptions options) {
        ModelConfig config = weights.config();
        this.sparsity = options.sparsity().resolve(weights);
        int context = contextFor(config, options.contextLength());
        this.pool = new ComputePool(options.threads());
        try {
            int batch = Math.min(options.promptBatch(), context);
            this.stats = options.collectStats() ? new SparsityStats(config.layers(), config.intermediateSize()) : null;
            this.session = new CpuSession(weights, pool, feedForward(weights, options, batch), context, batch);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private FeedForward feedForward(ModelWeights weights, EngineOptions options, int batch) {
        NeuronSelector selector = switch (sparsity) {
            case DENSE -> stats == null ? null : new AllNeurons();
            case EXACT -> new ExactSelector(weights, pool);
            case PREDICTED -> new PredictedSelector(predictor(weights, options));
            case AUTO -> throw new IllegalStateException("AUTO is resolved above");
        };
        if (selector == null) return new DenseFeedForward(weights, pool, batch);
        if (stats != null) selector = new MeasuredSelector(selector, weights, pool, batch, stats);
        return new SparseFeedForward(weights, pool, selector, batch);
    }

    private ActivationPredictor predictor(ModelWeights weights, EngineOptions options) {
        PredictorWeights p = weights.predictor().orElseThrow();
        return options.sparseThreshold().isPresent()
                ? new ActivationPredictor(p, pool, (float) options.sparseThreshold().getAsDouble())
                : new ActivationPredictor(p, pool);
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

    /** Per-layer sparsity statistics, when the options asked for them ({@code --stats}). */
    public Optional<SparsityStats> stats() {
        return Optional.ofNullable(stats);
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public void close() {
        pool.close();
    }
}
