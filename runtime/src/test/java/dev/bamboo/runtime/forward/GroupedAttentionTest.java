package dev.bamboo.runtime.forward;

import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.RopeLayout;
import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link GroupedAttention} over a cache of random keys and values: a prompt batch's tokens attending together give
 * bitwise what each token gives alone, and one token's heads give softmax-weighted sums of the value rows.
 */
class GroupedAttentionTest {
    private static final int HEAD_DIM = 40, KV_HEADS = 2, GROUP = 4, POSITIONS = 300;

    private static ModelConfig config(int window) {
        int heads = KV_HEADS * GROUP;
        return new ModelConfig("llama", 32, heads * HEAD_DIM, 64, 1, heads, KV_HEADS, HEAD_DIM, 1e-5f, 10000f, RopeLayout.ADJACENT_PAIRS,
                POSITIONS, window, false, new FfnKind.SwiGLU(), 1, 2);
    }

    private static KvCache randomCache(ComputePool pool, Random random, KvCacheTypes types) {
        return randomCache(pool, random, types, false, false);
    }

    /** Random keys and values, each half rounded to f16 before it is stored where asked. */
    private static KvCache randomCache(ComputePool pool, Random random, KvCacheTypes types, boolean roundKeys, boolean roundValues) {
        KvCache cache = new KvCache(1, POSITIONS, KV_HEADS, HEAD_DIM, types, pool);
        float[] k = new float[KV_HEADS * HEAD_DIM], v = new float[KV_HEADS * HEAD_DIM];
        for (int pos = 0; pos < POSITIONS; pos++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) random.nextGaussian();
                v[i] = (float) random.nextGaussian();
                if (roundKeys) k[i] = Float.float16ToFloat(Float.floatToFloat16(k[i]));
                if (roundValues) v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
            }
            cache.store(0, pos, k, v);
        }
        return cache;
    }

    @ParameterizedTest
    @EnumSource(CacheType.class)
    void tokensTogetherAreBitwiseTokensAlone(CacheType type) {
        Random random = new Random(21);
        try (ComputePool pool = new ComputePool(1)) {
            KvCache cache = randomCache(pool, random, new KvCacheTypes(type, type));
            GroupedAttention attention = new GroupedAttention(config(0), cache);
            int qDim = KV_HEADS * GROUP * HEAD_DIM;
            // a batch of 11 tokens after 250 positions (the block of 128 positions ends inside the history)
            int n = 11, start = 250;
            float[][] q = new float[n][qDim], together = new float[n][qDim], alone = new float[n][qDim];
            for (float[] row : q) for (int i = 0; i < qDim; i++) row[i] = (float) random.nextGaussian();
            GroupedAttention.TokenScratch scratch = attention.tokenScratch(8, start + n);
            for (int kv = 0; kv < KV_HEADS; kv++) {
                attention.attendTokens(0, q, together, 0, 8, start, kv, scratch);
                attention.attendTokens(0, q, together, 8, 3, start + 8, kv, scratch);
            }
            float[][] scores = new float[GROUP][start + n];
            for (int t = 0; t < n; t++) {
                for (int kv = 0; kv < KV_HEADS; kv++) attention.attend(0, q[t], alone[t], start + t, kv * GROUP, GROUP, scores, attention.rowScratch());
                assertArrayEquals(alone[t], together[t], "token " + t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CacheType.class)
    void aHeadIsTheSoftmaxWeightedSumOfTheValueRows(CacheType type) {
        Random random = new Random(22);
        try (ComputePool pool = new ComputePool(1)) {
            KvCache cache = randomCache(pool, random, new KvCacheTypes(type, type));
            int window = 100, pos = 217;
            GroupedAttention attention = new GroupedAttention(config(window), cache);
            float[] q = new float[KV_HEADS * GROUP * HEAD_DIM], out = new float[q.length];
            for (int i = 0; i < q.length; i++) q[i] = (float) random.nextGaussian() * 0.3f;
            int head = 5, kv = head / GROUP;
            attention.attend(0, q, out, pos, head, 1, new float[1][pos + 1], attention.rowScratch());
            // float64 reference over the window's positions only
            double[] weights = new double[window];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < window; j++) {
                int p = pos - window + 1 + j;
                double dot = 0;
                for (int d = 0; d < HEAD_DIM; d++) dot += (double) q[head * HEAD_DIM + d] * cache.keys().value(0, kv, p, d);
                weights[j] = dot / Math.sqrt(HEAD_DIM);
                max = Math.max(max, weights[j]);
            }
            for (int j = 0; j < window; j++) sum += weights[j] = Math.exp(weights[j] - max);
            for (int d = 0; d < HEAD_DIM; d++) {
                double expected = 0;
                for (int j = 0; j < window; j++) expected += weights[j] / sum * cache.values().value(0, kv, pos - window + 1 + j, d);
                assertEquals(expected, out[head * HEAD_DIM + d], 1e-5, "d=" + d);
            }
        }
    }

    /**
     * An f16 cache is an f32 cache of the values rounded to f16: a token's heads alone and a prompt batch's tokens
     * together give bitwise the same outputs from either, whichever half (keys, values) is f16.
     */
    @ParameterizedTest
    @CsvSource({"F16,F16", "F16,F32", "F32,F16"})
    void anF16HalfIsAnF32HalfOfTheRoundedValues(CacheType keys, CacheType values) {
        KvCacheTypes types = new KvCacheTypes(keys, values);
        try (ComputePool pool = new ComputePool(1)) {
            KvCache half = randomCache(pool, new Random(23), types);
            KvCache full = randomCache(pool, new Random(23), KvCacheTypes.F32, keys == CacheType.F16, values == CacheType.F16);
            GroupedAttention a = new GroupedAttention(config(0), half), b = new GroupedAttention(config(0), full);
            int qDim = KV_HEADS * GROUP * HEAD_DIM, n = 11, start = 250;
            Random random = new Random(24);
            float[][] q = new float[n][qDim], outA = new float[n][qDim], outB = new float[n][qDim];
            for (float[] row : q) for (int i = 0; i < qDim; i++) row[i] = (float) random.nextGaussian();
            for (int kv = 0; kv < KV_HEADS; kv++) {
                a.attendTokens(0, q, outA, 0, 8, start, kv, a.tokenScratch(8, start + n));
                b.attendTokens(0, q, outB, 0, 8, start, kv, b.tokenScratch(8, start + n));
            }
            for (int t = 0; t < 8; t++) assertArrayEquals(outB[t], outA[t], "token " + t + " together");
            float[] aloneA = new float[qDim], aloneB = new float[qDim];
            for (int kv = 0; kv < KV_HEADS; kv++) {
                a.attend(0, q[9], aloneA, start + 9, kv * GROUP, GROUP, new float[GROUP][start + 10], a.rowScratch());
                b.attend(0, q[9], aloneB, start + 9, kv * GROUP, GROUP, new float[GROUP][start + 10], b.rowScratch());
            }
            assertArrayEquals(aloneB, aloneA, "a token alone");
            // and the rounding is real: the unrounded values give other outputs
            float[] unrounded = new float[qDim];
            GroupedAttention c = new GroupedAttention(config(0), randomCache(pool, new Random(23), KvCacheTypes.F32));
            for (int kv = 0; kv < KV_HEADS; kv++) c.attend(0, q[9], unrounded, start + 9, kv * GROUP, GROUP, new float[GROUP][start + 10], c.rowScratch());
            assertFalse(Arrays.equals(unrounded, aloneA));
        }
    }
}
