package dev.bamboo.runtime.bench;

import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.tensor.Tensor;

/**
 * The weight bytes one decode step reads, in the file's encoding (Q4_0: 18 bytes per 32 weights), for the roofline
 * of {@code bamboo bench --bandwidth}. A dense step reads every weight once, except the token embedding (one row).
 * A sparse step reads the rest in full and, of the FFN, at most the computed share of the rows: {@code exact} all of
 * {@code ffn_gate}, then up and down rows of the neurons it computes; {@code predicted} the predictor, then gate, up
 * and down rows of the neurons it selects (up and down only where the gate passes, so this is an upper bound).
 *
 * @param fixed     bytes every step reads: attention, norms, output, one embedding row
 * @param gate      all {@code ffn_gate} rows
 * @param upDown    all {@code ffn_up} and down-projection rows ({@code ffn_down_t} where the file has it)
 * @param predictor all predictor weights (0 without a predictor)
 * @param cacheValuesPerPosition keys (or values) one cached position holds over all layers, which attention reads once
 *                         per decode step, in the cache's types ({@link #cachePerToken}): not weights, but at a few
 *                         thousand positions a share of a step's reads worth counting
 */
public record WeightTraffic(long fixed, long gate, long upDown, long predictor, long cacheValuesPerPosition) {

    public static WeightTraffic of(ModelWeights w) {
        long fixed = bytes(w.output()) + bytes(w.outputNorm()) + w.tokenEmbedding().rowBytes();
        long gate = 0, upDown = 0;
        for (LayerWeights l : w.layers()) {
            fixed += bytes(l.attnNorm()) + bytes(l.wq()) + bytes(l.wk()) + bytes(l.wv()) + bytes(l.wo()) + bytes(l.ffnNorm());
            gate += bytes(l.ffnGate());
            upDown += bytes(l.ffnUp()) + bytes(l.ffnDownT() != null ? l.ffnDownT() : l.ffnDown());
        }
        long predictor = 0;
        if (w.predictor().isPresent()) {
            for (PredictorLayer p : w.predictor().get().layers()) predictor += bytes(p.fc1()) + bytes(p.fc2());
        }
        return new WeightTraffic(fixed, gate, upDown, predictor, (long) w.config().layers() * w.config().kvDim());
    }

    private static long bytes(Tensor t) {
        return t == null ? 0 : t.rows() * t.rowBytes();
    }

    /**
     * Bytes per decode step in {@code mode} (a resolved mode, not {@code AUTO}) when a share {@code computed} of the FFN
     * neurons is computed (1 for dense).
     */
    public double perToken(SparsityMode mode, double computed) {
        return switch (mode) {
            case DENSE -> fixed + gate + upDown;
            case EXACT -> fixed + gate + computed * upDown;
            case PREDICTED -> fixed + predictor + computed * (gate + upDown);
            case AUTO -> throw new IllegalArgumentException("resolve the sparsity mode first");
        };
    }

    /** Bytes one cached position holds, keys and values of every layer, in a cache of {@code types}. */
    public long cachePerPosition(KvCacheTypes types) {
        return cacheValuesPerPosition * types.bytesPerPair();
    }

    /**
     * KV cache bytes a decode step reads on average over {@code tokens} steps from {@code depth} cached positions on, in
     * a cache of {@code types}.
     */
    public double cachePerToken(int depth, int tokens, KvCacheTypes types) {
        return cachePerPosition(types) * (depth + (tokens + 1) / 2.0);
    }
}
