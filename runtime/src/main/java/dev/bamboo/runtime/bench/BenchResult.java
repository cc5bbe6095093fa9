package dev.bamboo.runtime.bench;

import dev.bamboo.runtime.forward.KvCacheTypes;

import java.util.List;

/**
 * One row of the benchmark: a test on one model, backend, thread count and sparsity mode, timed {@code samplesNs.size()} times.
 *
 * @param cache              element types of the KV cache's keys and values
 * @param activeFraction     mean share of FFN neurons computed per token and layer (1 for dense), NaN when unmeasured
 * @param trueActiveFraction mean share of FFN neurons really non-zero, NaN when unmeasured
 * @param precision          share of the computed neurons that were really non-zero (how much of the sparse work is real), NaN when unmeasured
 * @param recall             share of the really non-zero neurons that were computed (predicted mode: the predictor's recall; 1 for
 *                           exact mode), NaN when unmeasured
 */
public record BenchResult(ModelFacts model, String backend, int threads, int promptBatch, KvCacheTypes cache, String sparsity, BenchCase test,
                          List<Long> samplesNs, double activeFraction, double trueActiveFraction, double precision, double recall,
                          String testTime) {

    public BenchResult {
        samplesNs = List.copyOf(samplesNs);
        if (samplesNs.isEmpty()) throw new IllegalArgumentException("no samples");
    }

    /** The sparsity mode, and the KV cache's types where they are not f32 ({@code "predicted kv f16/f16"}). */
    public String setup() {
        return cache.equals(KvCacheTypes.F32) ? sparsity : sparsity + " kv " + cache.label();
    }

    public int tokens() {
        return test.tokens();
    }

    public double avgNs() {
        return mean(samplesNs.stream().mapToDouble(Long::doubleValue).toArray());
    }

    public double stddevNs() {
        return stddev(samplesNs.stream().mapToDouble(Long::doubleValue).toArray());
    }

    /** Tokens per second of each sample. */
    public double[] samplesTs() {
        return samplesNs.stream().mapToDouble(ns -> tokens() * 1e9 / ns).toArray();
    }

    /** Mean of the per-sample rates, as llama-bench computes it. */
    public double avgTs() {
        return mean(samplesTs());
    }

    public double stddevTs() {
        return stddev(samplesTs());
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    /** Sample standard deviation (n − 1), 0 for one sample. */
    static double stddev(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
