package dev.bamboo.runtime.generate;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A token sequence being run through a model on some backend: it owns the KV cache and the current position.
 * The CPU engine ({@code engine.CpuSession}) and the TornadoVM backend implement it; generation only sees this.
 */
public interface InferenceSession extends AutoCloseable {

    /** Tokens processed so far. */
    int position();

    /** Positions the KV cache holds. */
    int contextLength();

    /** Forgets the sequence. */
    default void reset() {
        rewind(0);
    }

    /** Forgets every token from {@code position} on; the cache keeps the ones before it. */
    void rewind(int position);

    /** Appends {@code ids} (batched) and returns the logits after the last of them; the array is reused by the next call. */
    float[] append(int[] ids);

    /**
     * {@link #append(int[])} that stops between forward passes once {@code cancelled} says so (a long prompt runs in
     * several), keeping the tokens already run; returns {@code null} when it stopped early ({@link #position()} tells
     * how far it got). The ids are checked before anything runs, as {@code append} checks them. A backend that runs a
     * prompt in one pass only polls before it.
     */
    default float[] append(int[] ids, BooleanSupplier cancelled) {
        return cancelled.getAsBoolean() ? null : append(ids);
    }

    /** Appends one token and returns the logits after it. */
    default float[] append(int id) {
        return append(new int[] {id});
    }

    /** Appends {@code ids} and returns the logits at every one of their positions. */
    float[][] appendAllLogits(int[] ids);

    /**
     * Runs {@code work} (calls on this session: a whole generation) with the session held by the calling thread, so that
     * no other thread's calls interleave with it. An engine's session refuses a second thread meanwhile, and any call
     * once the engine is closed ({@code IllegalStateException}); a bare session only runs {@code work}.
     */
    default <T> T exclusively(Supplier<T> work) {
        return work.get();
    }

    /**
     * Runs {@code callback}, the caller's code that a call holding this session hands control to (a generation's token
     * sink, a measurement's progress, a cancel check): until it returns, an engine's session refuses from it any call that
     * would run tokens through the session or move it ({@link #exclusively}, every append and rewind) with an {@code
     * IllegalStateException}, since the call it interrupted goes on with the cache as it left it. A bare session only
     * runs it.
     */
    default <T> T callingBack(Supplier<T> callback) {
        return callback.get();
    }

    /** Releases backend resources (device memory); the CPU session has none beyond the heap. */
    @Override
    default void close() {
    }
}
