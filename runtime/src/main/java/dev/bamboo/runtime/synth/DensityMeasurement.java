package dev.bamboo.runtime.synth;

import dev.bamboo.predictor.LayerSparsity;
import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;

import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Predicted and true FFN activity of a model on random tokens, from the engine's own statistics (the real predictor
 * and the real gate/up products of the written, quantized weights).
 *
 * @param predicted      share of neurons the predictor selects
 * @param trueActive     share of neurons really non-zero
 * @param precision      share of the selected neurons that are really non-zero (1.0: the predictor never selects
 *                       idle neurons, so sparse decode does no work the dense model would not)
 * @param minLayer       the smallest per-layer predicted share
 * @param maxLayer       the largest per-layer predicted share
 */
public record DensityMeasurement(double predicted, double trueActive, double precision, double minLayer, double maxLayer, long tokens) {

    /** One batched pass over {@code tokens} random tokens (after BOS) with the threshold, when given, overriding the model's. */
    static DensityMeasurement measure(Model model, OptionalDouble threshold, int tokens, long seed, int threads) {
        EngineOptions options = EngineOptions.defaults().withThreads(threads).withSparsity(SparsityMode.PREDICTED).withStatistics(Statistics.FULL)
                .withContextLength(tokens).withPromptBatch(tokens).withSparseThreshold(threshold);
        try (Engine engine = model.engine(options)) {
            engine.session().append(model.randomPrompt(tokens, new SplittableRandom(seed)));
            SparsityStats stats = engine.stats().orElseThrow();
            LayerSparsity all = stats.overall();
            double min = 1, max = 0;
            for (LayerSparsity l : stats.perLayer()) {
                min = Math.min(min, l.predictedActive());
                max = Math.max(max, l.predictedActive());
            }
            return new DensityMeasurement(all.predictedActive(), all.trueActive(), all.precision(), min, max, tokens);
        }
    }
}
