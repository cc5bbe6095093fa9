package dev.bamboo.runtime.forward;

import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.tensor.FloatArrays;

import java.util.Arrays;

/**
 * Causal (optionally sliding-window) attention of query heads over the KV cache, a key/value head's query heads
 * together:
 * <pre>
 *   for each query head h of KV head g:   s_h = softmax(q_h · K_g / √d)      out_h = Σ_j s_h[j] · V_g[j]
 * </pre>
 * With grouped-query attention several query heads (4 in Mistral-7B) read the same keys and values. Taken one head at a
 * time, every head streamed its KV head's whole history again, and at a few thousand positions that is from memory
 * (a Bamboo-7B layer holds 8 KB of keys and values per position). Here each key row is loaded once for four query
 * heads ({@link FloatArrays#scaledDots}), and each value row once for four heads' sums ({@link
 * FloatArrays#addWeightedRows}), in blocks of positions that stay in the core's cache between the two halves of the
 * row the four heads' sums take in turn (a block as the cache hands it out, {@link CacheRows#rows}: f32 rows in place,
 * f16 rows widened a few at a time). One Bamboo-7B block at 4096 positions, 2 threads, with softmax on vector
 * lanes as well: 5.0–5.2 → 3.1–3.4 ms ({@code AttentionBenchmark}; BENCHMARKS.md, "Long contexts"). A prompt batch's
 * tokens go further: several of them read the history they share together ({@link #attendTokens}). Every head's sums
 * are formed in the order one head at a time forms them, so the grouping changes no result.
 */
final class GroupedAttention {
    private final KvCache cache;
    private final int headDim;
    private final int group;
    private final int window;
    private final float scale;

    GroupedAttention(ModelConfig config, KvCache cache) {
        this.cache = cache;
        this.headDim = config.headDim();
        this.group = config.heads() / config.kvHeads();
        this.window = config.slidingWindow();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /** Query heads of one KV head. */
    int group() {
        return group;
    }

    /**
     * Attention of query heads {@code [firstHead, firstHead + heads)}, all of KV head {@code firstHead / group}, for the
     * token at position {@code pos} whose queries are {@code q}: writes their outputs into {@code out} at the same
     * offsets ({@code head · headDim}). {@code scores} holds at least {@code heads} rows of {@code pos + 1} values,
     * {@code rows} {@link #rowScratch} floats.
     */
    void attend(int layer, float[] q, float[] out, int pos, int firstHead, int heads, float[][] scores, float[] rows) {
        int kvHead = firstHead / group;
        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
        int len = pos - first + 1;
        int qOff = firstHead * headDim;
        // in blocks of positions: an f16 cache widens each block into rows, which stay in L1 meanwhile
        CacheRows keys = cache.keys(), values = cache.values();
        for (int b = 0, step = keys.block(); b < len; b += step) {
            int count = Math.min(len, b + step) - b, p = first + b;
            FloatArrays.scaledDots(q, qOff, heads, keys.rows(layer, kvHead, p, count, rows), keys.rowsOffset(kvHead, p), count, headDim, scale, scores, b);
        }
        for (int i = 0; i < heads; i++) FloatArrays.softmaxInPlace(scores[i], len);
        Arrays.fill(out, qOff, qOff + heads * headDim, 0f);
        // the block's value rows stay in the cache while each slice of them is added
        for (int b = 0, step = values.block(); b < len; b += step) {
            int count = Math.min(len, b + step) - b, p = first + b;
            FloatArrays.addWeightedRows(out, qOff, heads, headDim, scores, b, count, values.rows(layer, kvHead, p, count, rows), values.rowsOffset(kvHead, p), headDim);
        }
    }

    /** Scratch for one block of a KV head's rows ({@link #attend}'s {@code rows}; empty where the cache needs none). */
    float[] rowScratch() {
        return new float[cache.scratchRows() * headDim];
    }

    /** Scratch of {@link #attendTokens} for up to {@code tokens} tokens over up to {@code positions} positions. */
    TokenScratch tokenScratch(int tokens, int positions) {
        // the batch's own positions are read up to tokens − 1 rows at a time
        int rows = cache.scratchRows() == 0 ? 0 : Math.max(cache.scratchRows(), tokens);
        return new TokenScratch(tokens, group, headDim, positions, rows);
    }

    /** True when the sliding window leaves out early positions for a token at {@code pos}. */
    boolean windowCuts(int pos) {
        return window > 0 && pos >= window;
    }

    /**
     * {@link #attend} for the whole group of KV head {@code kvHead} and {@code count} consecutive tokens of a batch at
     * once, token {@code t0 + k} at position {@code pos0 + k} (no sliding window may cut them: {@link #windowCuts}).
     * The positions up to {@code pos0}, which every one of them attends to, are read once for all their query heads, in
     * blocks that stay in the cache while each group of four queries takes its turn: a prompt batch then reads a long
     * history from memory once per {@code count} tokens. Every sum runs in the order {@link #attend} runs it, so the
     * outputs are bitwise the same.
     */
    void attendTokens(int layer, float[][] q, float[][] out, int t0, int count, int pos0, int kvHead, TokenScratch s) {
        int width = group * headDim, first = kvHead * width, heads = count * group, prefix = pos0 + 1;
        for (int k = 0; k < count; k++) System.arraycopy(q[t0 + k], first, s.queries, k * width, width);
        CacheRows keys = cache.keys(), values = cache.values();
        for (int b = 0, step = keys.block(); b < prefix; b += step) {
            int rows = Math.min(prefix, b + step) - b;
            FloatArrays.scaledDots(s.queries, 0, heads, keys.rows(layer, kvHead, b, rows, s.rows), keys.rowsOffset(kvHead, b), rows, headDim, scale, s.scores, b);
        }
        for (int k = 1; k < count; k++) {
            // token k also attends to the k positions after pos0: the batch's own tokens before it
            FloatArrays.scaledDots(s.queries, k * width, group, keys.rows(layer, kvHead, prefix, k, s.rows), keys.rowsOffset(kvHead, prefix), k, headDim, scale,
                    s.rowsOf(k, group), prefix);
        }
        for (int k = 0; k < count; k++) {
            for (int i = 0; i < group; i++) FloatArrays.softmaxInPlace(s.scores[k * group + i], prefix + k);
        }
        Arrays.fill(s.outputs, 0, count * width, 0f);
        for (int b = 0, step = values.block(); b < prefix; b += step) {
            int rows = Math.min(prefix, b + step) - b;
            FloatArrays.addWeightedRows(s.outputs, 0, heads, headDim, s.scores, b, rows, values.rows(layer, kvHead, b, rows, s.rows), values.rowsOffset(kvHead, b), headDim);
        }
        for (int k = 1; k < count; k++) {
            FloatArrays.addWeightedRows(s.outputs, k * width, group, headDim, s.rowsOf(k, group), prefix, k, values.rows(layer, kvHead, prefix, k, s.rows),
                    values.rowsOffset(kvHead, prefix), headDim);
        }
        for (int k = 0; k < count; k++) System.arraycopy(s.outputs, k * width, out[t0 + k], first, width);
    }

    /** Scratch of {@link #attendTokens} for up to {@code tokens} tokens of one group, over up to {@code positions} positions. */
    static final class TokenScratch {
        final float[] queries;
        final float[] outputs;
        final float[][] scores;
        /** One block of rows widened from an f16 cache. */
        final float[] rows;

        private TokenScratch(int tokens, int group, int headDim, int positions, int scratchRows) {
            rows = new float[scratchRows * headDim];
            queries = new float[tokens * group * headDim];
            outputs = new float[tokens * group * headDim];
            scores = new float[tokens * group][positions];
        }

        /** The score rows of token {@code k}'s {@code group} heads. */
        float[][] rowsOf(int k, int group) {
            return Arrays.copyOfRange(scores, k * group, (k + 1) * group);
        }
    }
}
