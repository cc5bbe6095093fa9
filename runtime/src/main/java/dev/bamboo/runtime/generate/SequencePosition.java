package dev.bamboo.runtime.generate;

import dev.bamboo.weights.BambooException;

/**
 * Where a session's sequence stands in its context: the bookkeeping every {@link InferenceSession} shares, whatever
 * runs the forward pass. Rewinding keeps the positions before it; appending beyond the context is refused with the
 * advice {@link ContextLimit} gives.
 */
public final class SequencePosition {
    private final ContextLimit limit;
    private int position;

    /** A sequence in a context of {@code context} positions, for a model trained on {@code modelContext}. */
    public SequencePosition(int context, int modelContext) {
        this.limit = new ContextLimit(context, modelContext);
    }

    public int get() {
        return position;
    }

    public int contextLength() {
        return limit.context();
    }

    /** Keeps positions {@code [0, position)}; the next tokens overwrite the rest. */
    public void rewind(int position) {
        if (position < 0 || position > this.position) throw new IllegalArgumentException("rewind to " + position + " from " + this.position);
        this.position = position;
    }

    /** Fails with a one-line error, before any work, when {@code n} more tokens do not fit the context. */
    private void checkRoom(int n) {
        if (position + n > limit.context()) throw limit.tooLong("the sequence needs", position + n, "a shorter sequence");
    }

    /**
     * Fails with a one-line error, before any work, when {@code ids} do not fit the context or one of them is not a token
     * of a {@code vocab}-token vocabulary: a refused append leaves the sequence where it was, not half appended.
     */
    public void checkAppend(int[] ids, int vocab) {
        checkRoom(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= vocab) throw new BambooException("token id " + id + " is outside the model's vocabulary of " + vocab);
        }
    }

    /** Moves on by {@code n} tokens that were just computed. */
    public void advance(int n) {
        position += n;
    }
}
