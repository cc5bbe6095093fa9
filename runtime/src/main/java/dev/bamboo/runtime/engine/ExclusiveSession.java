package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.generate.InferenceSession;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * An engine's session as its users see it: one thread at a time, and never after the engine or its model is closed.
 * A session's KV cache and the FFN's scratch arrays are one sequence's state; two threads appending at once would
 * interleave their tokens into one cache and leave the sparse FFN's per-call bookkeeping half undone, so the second
 * thread is refused with an {@link IllegalStateException} instead. The thread that holds the session may call back
 * into it (a generation's appends run inside its {@link #exclusively} call), but not from the caller's code that a
 * generation hands control to ({@link #callingBack}): a generation started there would move the cache under the one
 * that called it.
 *
 * <p>Closing is safe at any time. From another thread while a generation runs, the generation's next call fails, and
 * {@link #close} waits until it has let go of the session (one forward pass at most) and then releases the backend, so
 * the model can be closed right after. From inside a generation's callback, the resources go when the generation
 * returns. The reads {@link #position} and {@link #contextLength} stay open to any thread: they change nothing;
 * {@link #tokens} is for the holder, or any thread while none holds it.
 */
final class ExclusiveSession implements InferenceSession {
    private final InferenceSession inner;
    private final Runnable release;
    private final BooleanSupplier modelClosed;
    private final AtomicReference<Thread> holder = new AtomicReference<>();
    /** Nested {@link #exclusively} calls of the holder; touched only by the holding thread. */
    private int depth;
    /** The holder's callbacks under way ({@link #callingBack}); touched only by the holding thread. */
    private int callbacks;
    private volatile boolean closed;
    private boolean released;
    /** The ids the cache holds at positions 0 .. position() − 1, as every append through this session recorded them. */
    private final int[] held;

    /**
     * @param release     frees the backend (the session's own resources and the compute threads), once
     * @param modelClosed true once the model's weights are gone
     */
    ExclusiveSession(InferenceSession inner, Runnable release, BooleanSupplier modelClosed) {
        this.inner = inner;
        this.release = release;
        this.modelClosed = modelClosed;
        this.held = new int[inner.contextLength()];
    }

    /**
     * The ids the cache holds, one per position before {@link #position}: what a caller that reuses the cache (a chat)
     * compares its next prompt with, whoever appended them.
     */
    int[] tokens() {
        Thread current = holder.get();
        if (current != null && current != Thread.currentThread()) throw inUse();
        checkOpen();
        return Arrays.copyOf(held, inner.position());
    }

    /** {@code work}, an append of {@code ids} from the current position, with what it ran (all or a prefix) recorded. */
    private <T> T appending(int[] ids, Supplier<T> work) {
        return exclusively(() -> {
            int start = inner.position();
            try {
                return work.get();
            } finally {
                // a cancelled or failed append keeps the tokens that ran
                int ran = Math.max(0, inner.position() - start);
                System.arraycopy(ids, 0, held, start, Math.min(ran, ids.length));
            }
        });
    }

    @Override
    public <T> T exclusively(Supplier<T> work) {
        Thread me = Thread.currentThread();
        if (holder.get() != me) {
            checkOpen();
            if (!holder.compareAndSet(null, me)) throw inUse();
        } else if (callbacks > 0) {
            throw new IllegalStateException("a generation of this engine was started or moved from a callback of another one; "
                    + "return from the callback first, or use another engine (Model.engine or Model.textGenerator)");
        }
        depth++;
        try {
            checkOpen();
            return work.get();
        } finally {
            if (--depth == 0) {
                holder.set(null);
                if (closed) releaseOnce();
            }
        }
    }

    @Override
    public <T> T callingBack(Supplier<T> callback) {
        callbacks++;
        try {
            return callback.get();
        } finally {
            callbacks--;
        }
    }

    private static IllegalStateException inUse() {
        return new IllegalStateException("this engine is in use by another thread; give each thread its own engine (Model.engine or Model.textGenerator)");
    }

    private void checkOpen() {
        // the model first: closing the model closes its engines too
        if (modelClosed.getAsBoolean()) throw new IllegalStateException("the model of this engine is closed; load it again");
        if (closed) throw new IllegalStateException("this engine is closed; make a new one with Model.engine or Model.textGenerator");
    }

    private void run(Runnable work) {
        exclusively(() -> {
            work.run();
            return null;
        });
    }

    @Override
    public int position() {
        return inner.position();
    }

    @Override
    public int contextLength() {
        return inner.contextLength();
    }

    @Override
    public void rewind(int position) {
        run(() -> inner.rewind(position));
    }

    @Override
    public float[] append(int[] ids) {
        return appending(ids, () -> inner.append(ids));
    }

    @Override
    public float[] append(int[] ids, BooleanSupplier cancelled) {
        return appending(ids, () -> inner.append(ids, cancelled));
    }

    @Override
    public float[] append(int id) {
        return appending(new int[] {id}, () -> inner.append(id));
    }

    @Override
    public float[][] appendAllLogits(int[] ids) {
        return appending(ids, () -> inner.appendAllLogits(ids));
    }

    /**
     * Closes now, or, while another thread holds the session, once it lets go (its next call fails, so a generation
     * stops within a forward pass): this call waits for that. Called by the holder itself (from a generation's callback),
     * it returns at once and the generation releases the resources on its way out. Closing again does nothing.
     */
    @Override
    public void close() {
        closed = true;
        Thread me = Thread.currentThread();
        while (true) {
            Thread current = holder.get();
            if (current == me) return; // the holder's own exclusively call releases on its way out
            if (holder.compareAndSet(null, me)) {
                try {
                    releaseOnce();
                } finally {
                    holder.set(null);
                }
                return;
            }
            LockSupport.parkNanos(100_000); // the holder is between two steps of a forward pass at most
        }
    }

    private synchronized void releaseOnce() {
        if (released) return;
        released = true;
        release.run();
    }
}
