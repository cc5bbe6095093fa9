package dev.bamboo.weights.tensor;

import jdk.incubator.vector.FloatVector;

import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.L;

/** The lane-wise integer dot of one 32-value block whose weight quants were already widened to floats. */
final class BlockDot {
    private BlockDot() {}

    static final int BLOCK = 32;

    /** Lanes of {@code wq[o .. o+32) · xq[x .. x+32)}; the first chunk multiplies, later chunks fuse-add, in order. */
    static FloatVector of(float[] wq, int o, float[] xq, int x) {
        FloatVector s = FloatVector.fromArray(F, wq, o).mul(FloatVector.fromArray(F, xq, x));
        for (int c = L; c < BLOCK; c += L) s = FloatVector.fromArray(F, wq, o + c).fma(FloatVector.fromArray(F, xq, x + c), s);
        return s;
    }
}
