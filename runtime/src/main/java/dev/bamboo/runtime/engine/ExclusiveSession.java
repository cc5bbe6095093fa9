package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.generate.InferenceSession;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * An engine's session as its users see it: one thread at a time, and never after the engine or its model is closed.
 * A session's KV cache and the FFN's scratch arrays are one sequence's state; two threads appending at once would
 * interleave their tokens into one cache and leave the sparse FFN's per-call bookkeeping half undone, so the second
 * thread is refused with an {@link IllegalStateException} instead. The thread that holds the session may call back
 * into it (a generation's appends run inside its {@link #exclusively} call).
 *
 * <p>Closing is safe at any time: from another thread while a generation runs, the generation's next call fails and
 * the backend's resources are released when it lets go of the session; from inside a generation's callback, when the
 * generation returns.
 */
final class ExclusiveSession implements InferenceSession {
    private final InferenceSession inner;
    private final Runnable release;
    private final BooleanSupplier modelClosed;
    private final AtomicReference<Thread> holder = new AtomicReference<>();
    /** Nested {@link #exclusively} calls of the holder; touched only by the holding thread. */
    private int depth;
    private volatile boolean closed;
    private boolean released;

    /**
     * @param release     frees the backend (the session's own resources and the compute threads), once
     * @param modelClosed true once the model's weights are gone
     */
    ExclusiveSession(InferenceSession inner, Runnable release, BooleanSupplier modelClosed) {
        this.inner = inner;
        this.release = release;
        this.modelClosed = modelClosed;
    }

    @Override
    public <T> T exclusively(Supplier<T> work) {
        Thread me = Thread.currentThread();
        if (holder.get() != me && !holder.compareAndSet(null, me)) {
            throw new IllegalStateException("this engine is in use by another thread; give each thread its own engine (Model.engine or Model.textGenerator)");
        }
        depth++;
        try {
            if (closed) throw new IllegalStateException("this engine is closed; make a new one with Model.engine or Model.textGenerator");
            if (modelClosed.getAsBoolean()) throw new IllegalStateException("the model of this engine is closed; load it again");
            return work.get();
        } finally {
            if (--depth == 0) {
                holder.set(null);
                if (closed) releaseOnce();
            }
        }
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
        return exclusively(() -> inner.append(ids));
    }

    @Override
    public float[] append(int id) {
        return exclusively(() -> inner.append(id));
    }

    @Override
    public float[][] appendAllLogits(int[] ids) {
        return exclusively(() -> inner.appendAllLogits(ids));
    }

    /** Closes now if no thread holds the session, otherwise when its holder lets go. Closing again does nothing. */
    @Override
    public void close() {
        closed = true;
        if (holder.compareAndSet(null, Thread.currentThread())) {
            try {
                releaseOnce();
            } finally {
                holder.set(null);
            }
        }
    }

    private synchronized void releaseOnce() {
        if (released) return;
        released = true;
        release.run();
    }
}
