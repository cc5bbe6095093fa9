package dev.bamboo.runtime.generate;

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

    /** Appends one token and returns the logits after it. */
    default float[] append(int id) {
        return append(new int[] {id});
    }

    /** Appends {@code ids} and returns the logits at every one of their positions. */
    float[][] appendAllLogits(int[] ids);

    /** Releases backend resources (device memory); the CPU session has none beyond the heap. */
    @Override
    default void close() {
    }
}
