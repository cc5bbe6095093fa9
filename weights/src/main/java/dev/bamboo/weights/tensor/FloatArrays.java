package dev.bamboo.weights.tensor;

import jdk.incubator.vector.FloatVector;

import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.L;

/**
 * Vector primitives over plain float arrays (activations, the KV cache). Sums are formed in a fixed order (lane-wise,
 * then {@link Simd#sum}), so a result never depends on which thread, or which compilation tier, computes it.
 */
public final class FloatArrays {
    private FloatArrays() {}

    /** {@code a[aOff..] · b[bOff..]} over {@code n} values. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int j = 0;
        float sum = 0f;
        if (L >= 4) {
            FloatVector acc = FloatVector.zero(F);
            for (; j <= n - L; j += L) acc = FloatVector.fromArray(F, a, aOff + j).fma(FloatVector.fromArray(F, b, bOff + j), acc);
            sum = Simd.sum(acc);
        }
        for (; j < n; j++) sum += a[aOff + j] * b[bOff + j];
        return sum;
    }
}
