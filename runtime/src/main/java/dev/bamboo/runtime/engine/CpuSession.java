package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.ffn.FeedForward;
import dev.bamboo.runtime.forward.ForwardPass;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.runtime.generate.SequencePosition;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;

import java.util.function.BooleanSupplier;

/**
 * A sequence on the CPU engine: the forward pass, its KV cache and the current position. Prompts are processed in
 * batches of up to {@link ForwardPass#maxBatch()} tokens (matrix-matrix products), generated tokens one at a time.
 */
public final class CpuSession implements InferenceSession {
    private final ForwardPass forward;
    private final int vocab;
    private final float[][] lastLogits;
    private final SequencePosition position;

    /** With an f32 KV cache. */
    public CpuSession(ModelWeights weights, ComputePool pool, FeedForward ffn, int contextLength, int maxBatch) {
        this(weights, pool, ffn, contextLength, maxBatch, KvCacheTypes.F32);
    }

    public CpuSession(ModelWeights weights, ComputePool pool, FeedForward ffn, int contextLength, int maxBatch, KvCacheTypes cacheTypes) {
        this.forward = new ForwardPass(weights, pool, ffn, contextLength, maxBatch, cacheTypes);
        this.vocab = weights.config().vocabSize();
        this.lastLogits = new float[1][vocab];
        this.position = new SequencePosition(forward.contextLength(), weights.config().contextLength());
    }

    @Override
    public int position() {
        return position.get();
    }

    @Override
    public int contextLength() {
        return forward.contextLength();
    }

    /** Positions from {@code position} on are overwritten by the next tokens. */
    @Override
    public void rewind(int position) {
        this.position.rewind(position);
    }

    /** Appends {@code ids} and returns the logits after the last of them (a view reused by the next call). */
    @Override
    public float[] append(int[] ids) {
        return append(ids, () -> false);
    }

    /** Polled before each batch of {@link ForwardPass#maxBatch()} tokens: the batches are those of one {@code append}. */
    @Override
    public float[] append(int[] ids, BooleanSupplier cancelled) {
        if (ids.length == 0) throw new IllegalArgumentException("no tokens");
        position.checkAppend(ids, vocab);
        for (int off = 0; off < ids.length; off += forward.maxBatch()) {
            if (cancelled.getAsBoolean()) return null;
            int n = Math.min(forward.maxBatch(), ids.length - off);
            forward.forward(ids, off, n, position.get(), false, lastLogits);
            position.advance(n);
        }
        return lastLogits[0];
    }

    /** Appends {@code ids} and returns the logits at every one of their positions. */
    @Override
    public float[][] appendAllLogits(int[] ids) {
        position.checkAppend(ids, vocab);
        float[][] all = new float[ids.length][];
        for (int off = 0; off < ids.length; off += forward.maxBatch()) {
            int n = Math.min(forward.maxBatch(), ids.length - off);
            float[][] chunk = new float[n][vocab];
            forward.forward(ids, off, n, position.get(), true, chunk);
            System.arraycopy(chunk, 0, all, off, n);
            position.advance(n);
        }
        return all;
    }
}
