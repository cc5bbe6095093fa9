package dev.bamboo.runtime.forward;

import dev.bamboo.runtime.ffn.FeedForward;
import dev.bamboo.runtime.ffn.FfnBatch;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.ActivationVector;

/**
 * The Llama-family forward pass over a batch of consecutive tokens (one token when decoding, a chunk of the prompt
 * when prefilling):
 * <pre>
 *   x = embed(token)
 *   for each layer:
 *     x = x + Wo · attention(rope(Wq · norm(x)), rope(Wk · norm(x)), Wv · norm(x))
 *     x = x + ffn(norm(x))            -- the FFN also sees x itself, for activation predictors
 *   logits = Wout · norm(x)
 * </pre>
 * Not thread-safe: one instance per generation session (it owns the KV cache).
 */
public final class ForwardPass {
    private final ModelWeights weights;
    private final ModelConfig config;
    private final ComputePool pool;
    private final FeedForward ffn;
    private final Rope rope;
    private final KvCache cache;
    private final GroupedAttention grouped;
    /**
     * Tokens of a prompt batch that attend together ({@link GroupedAttention#attendTokens}). A 64-token batch ending at
     * position 4095, one Bamboo-7B block, 2 threads ({@code AttentionBenchmark -p batch=64}): 146 ms token by token;
     * 119–127 with 4 together, 106–115 with 8, 104–110 with 16.
     */
    private static final int TOKEN_BLOCK = 8;
    private final int maxBatch;

    // per-token buffers, indexed [token in batch][...]
    private final float[][] x;
    private final float[][] xn;
    private final ActivationVector[] xnAct;
    private final float[][] q;
    private final float[][] k;
    private final float[][] v;
    private final float[][] att;
    private final ActivationVector[] attAct;
    private final float[][] proj;

    /** With an f32 KV cache. */
    public ForwardPass(ModelWeights weights, ComputePool pool, FeedForward ffn, int contextLength, int maxBatch) {
        this(weights, pool, ffn, contextLength, maxBatch, KvCacheTypes.F32);
    }

    public ForwardPass(ModelWeights weights, ComputePool pool, FeedForward ffn, int contextLength, int maxBatch, KvCacheTypes cacheTypes) {
        this.weights = weights;
        this.config = weights.config();
        this.pool = pool;
        this.ffn = ffn;
        this.maxBatch = maxBatch;
        this.rope = new Rope(config.ropeLayout(), config.headDim(), config.ropeTheta(), contextLength);
        this.cache = new KvCache(config.layers(), contextLength, config.kvHeads(), config.headDim(), cacheTypes, pool);
        this.grouped = new GroupedAttention(config, cache);
        int dim = config.hiddenSize();
        x = new float[maxBatch][dim];
        xn = new float[maxBatch][dim];
        q = new float[maxBatch][config.qDim()];
        k = new float[maxBatch][config.kvDim()];
        v = new float[maxBatch][config.kvDim()];
        att = new float[maxBatch][config.qDim()];
        proj = new float[maxBatch][dim];
        xnAct = new ActivationVector[maxBatch];
        attAct = new ActivationVector[maxBatch];
        for (int t = 0; t < maxBatch; t++) {
            xnAct[t] = ActivationVector.of(xn[t]);
            attAct[t] = ActivationVector.of(att[t]);
        }
    }

    public int contextLength() {
        return cache.capacity();
    }

    public int maxBatch() {
        return maxBatch;
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Runs {@code n} tokens at positions {@code startPos ..} and writes logits: into {@code logits[t]} for every
     * token when {@code allLogits}, else only the last token's into {@code logits[0]}.
     */
    public void forward(int[] tokens, int offset, int n, int startPos, boolean allLogits, float[][] logits) {
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " tokens, at most " + maxBatch);
        // the session checks the room first and says what to do (ContextLimit): past it, this is a programming error
        if (startPos + n > cache.capacity()) throw new IllegalArgumentException("positions up to " + (startPos + n) + " in a cache of " + cache.capacity());
        int dim = config.hiddenSize();
        for (int t = 0; t < n; t++) {
            int token = tokens[offset + t];
            if (token < 0 || token >= config.vocabSize()) {
                throw new BambooException("token id " + token + " is outside the model's vocabulary of " + config.vocabSize());
            }
            weights.tokenEmbedding().dequantizeRow(token, x[t], 0);
        }
        for (int l = 0; l < config.layers(); l++) {
            LayerWeights w = weights.layers().get(l);
            attention(l, w, n, startPos);
            for (int t = 0; t < n; t++) {
                VectorMath.rmsNorm(xn[t], x[t], w.ffnNorm(), dim, config.rmsNormEps());
                xnAct[t].invalidate();
            }
            ffn.forward(l, new FfnBatch(n, xnAct, x, proj));
            for (int t = 0; t < n; t++) VectorMath.addInPlace(x[t], proj[t], dim);
        }
        int first = allLogits ? 0 : n - 1;
        int outCount = n - first;
        ActivationVector[] finalIn = new ActivationVector[outCount];
        for (int t = first; t < n; t++) {
            VectorMath.rmsNorm(xn[t], x[t], weights.outputNorm(), dim, config.rmsNormEps());
            xnAct[t].invalidate();
            finalIn[t - first] = xnAct[t];
        }
        ParallelOps.matmul(pool, weights.output(), finalIn, logits, outCount);
    }

    private void attention(int layer, LayerWeights w, int n, int startPos) {
        int dim = config.hiddenSize();
        for (int t = 0; t < n; t++) {
            VectorMath.rmsNorm(xn[t], x[t], w.attnNorm(), dim, config.rmsNormEps());
            xnAct[t].invalidate();
        }
        ParallelOps.matmuls(pool, xnAct, n, (from, to) -> {},
                new ParallelOps.Product(w.wq(), q), new ParallelOps.Product(w.wk(), k), new ParallelOps.Product(w.wv(), v));
        for (int t = 0; t < n; t++) {
            rope.apply(q[t], config.heads(), startPos + t);
            rope.apply(k[t], config.kvHeads(), startPos + t);
            cache.store(layer, startPos + t, k[t], v[t]);
        }
        int heads = config.heads(), kvHeads = config.kvHeads();
        // the work: each head's products with the keys and values of the positions so far (spread over the pool above a size)
        long cacheBytes = (long) n * heads * (startPos + n) * config.headDim() * cache.types().bytesPerPair();
        if (n > 1 && !grouped.windowCuts(startPos + n - 1)) {
            // a prompt batch: each KV head's history read once per TOKEN_BLOCK tokens
            int blocks = (n + TOKEN_BLOCK - 1) / TOKEN_BLOCK;
            pool.forRange(blocks * kvHeads, 1, cacheBytes, (from, to) -> {
                GroupedAttention.TokenScratch scratch = grouped.tokenScratch(TOKEN_BLOCK, startPos + n);
                for (int i = from; i < to; i++) {
                    int t0 = i / kvHeads * TOKEN_BLOCK;
                    grouped.attendTokens(layer, q, att, t0, Math.min(TOKEN_BLOCK, n - t0), startPos + t0, i % kvHeads, scratch);
                }
            });
        } else {
            int perItem = headsPerItem(n);
            pool.forRange(n * heads / perItem, 1, cacheBytes, (from, to) -> {
                float[][] scores = new float[perItem][startPos + n];
                float[] rows = grouped.rowScratch();
                for (int i = from; i < to; i++) {
                    int t = i / (heads / perItem), firstHead = i % (heads / perItem) * perItem;
                    grouped.attend(layer, q[t], att[t], startPos + t, firstHead, perItem, scores, rows);
                }
            });
        }
        for (int t = 0; t < n; t++) attAct[t].invalidate();
        ParallelOps.matmul(pool, w.wo(), attAct, proj, n);
        for (int t = 0; t < n; t++) VectorMath.addInPlace(x[t], proj[t], dim);
    }

    /**
     * Query heads per unit of attention work for {@code n} tokens: a KV head's whole group, which then reads its keys and
     * values once ({@link GroupedAttention}), unless that leaves the pool's threads fewer units than threads (one
     * token of a model with few KV heads); then halves of it, and so on.
     */
    private int headsPerItem(int n) {
        int perItem = grouped.group();
        while (perItem % 2 == 0 && (long) n * config.heads() / perItem < pool.threads()) perItem /= 2;
        return perItem;
    }
}
