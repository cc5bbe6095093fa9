package dev.bamboo.runtime.synth;

/** Produces one row of a synthetic tensor; must be deterministic and safe to call from several threads. */
@FunctionalInterface
interface RowGenerator {
    /** Fills {@code dst[0 .. cols)} with row {@code row}. */
    void row(long row, float[] dst);
}
