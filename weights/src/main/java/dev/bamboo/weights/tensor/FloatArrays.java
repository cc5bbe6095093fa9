package dev.bamboo.weights.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;

/**
 * Vector primitives over plain float arrays (activations, the KV cache). Sums are formed in a fixed order (lane-wise,
 * then {@link Simd#sum}), so a result never depends on which thread, or which compilation tier, computes it.
 */
public final class FloatArrays {
    private FloatArrays() {}

    /**
     * {@code a[aOff..] · b[bOff..]} over {@code n} values (attention scores). Vectorised: a plain loop is one serial
     * chain of float adds, which C2 may not reorder, and made attention a sixth of the decode time at a few hundred
     * positions.
     */
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

    /**
     * {@code out[outOff + d] = Σ_{j < count} weights[j] · rows[rowOff + j · rowStride + d]} for {@code d < n}: attention's
     * weighted sum of value rows. Four vectors of the output stay in registers while every row adds to them, so there is
     * no chain of stores and reloads through {@code out} from one row to the next; each output value sums the rows in
     * order {@code j = 0, 1, …}.
     */
    public static void weightedRows(float[] out, int outOff, int n, float[] weights, int count, float[] rows, int rowOff, int rowStride) {
        int d = 0;
        if (L >= 4) {
            for (; d <= n - 4 * L; d += 4 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int j = 0, r = rowOff + d; j < count; j++, r += rowStride) {
                    FloatVector w = FloatVector.broadcast(F, weights[j]);
                    a0 = FloatVector.fromArray(F, rows, r).fma(w, a0);
                    a1 = FloatVector.fromArray(F, rows, r + L).fma(w, a1);
                    a2 = FloatVector.fromArray(F, rows, r + 2 * L).fma(w, a2);
                    a3 = FloatVector.fromArray(F, rows, r + 3 * L).fma(w, a3);
                }
                a0.intoArray(out, outOff + d);
                a1.intoArray(out, outOff + d + L);
                a2.intoArray(out, outOff + d + 2 * L);
                a3.intoArray(out, outOff + d + 3 * L);
            }
            for (; d <= n - L; d += L) {
                FloatVector a = FloatVector.zero(F);
                for (int j = 0, r = rowOff + d; j < count; j++, r += rowStride) a = FloatVector.fromArray(F, rows, r).fma(FloatVector.broadcast(F, weights[j]), a);
                a.intoArray(out, outOff + d);
            }
        }
        for (; d < n; d++) {
            float sum = 0f;
            for (int j = 0; j < count; j++) sum = Math.fma(rows[rowOff + j * rowStride + d], weights[j], sum);
            out[outOff + d] = sum;
        }
    }

    /**
     * Writes the ascending indices {@code i < n} with {@code v[i] ≥ threshold} to {@code out} (length at least {@code
     * n}) and returns their count: the neurons a predictor selects. A NaN is not listed.
     */
    public static int indicesAtLeast(float[] v, int n, float threshold, int[] out) {
        return indices(v, n, VectorOperators.GE, threshold, false, out);
    }

    /**
     * Writes the ascending indices {@code i < n} whose {@code v[i]} is not at or below {@code cutoff} to {@code out}
     * (length at least {@code n}) and returns their count: the neurons whose gate passes a ReLU. A NaN is listed, as a
     * NaN gate gives a NaN neuron ({@code FfnKind}).
     */
    public static int indicesAbove(float[] v, int n, float cutoff, int[] out) {
        return indices(v, n, VectorOperators.LE, cutoff, true, out);
    }

    /**
     * The indices {@code i < n} where {@code v[i] test threshold} is true ({@code negate}: false). Lane masks compress
     * the indices of a whole vector at once: no branch per value, which a scattered 15 % of hits would mispredict about
     * as often as not.
     */
    private static int indices(float[] v, int n, VectorOperators.Comparison test, float threshold, boolean negate, int[] out) {
        if (out.length < n) throw new IllegalArgumentException("room for " + out.length + " indices, " + n + " needed");
        int count = 0, i = 0;
        if (L >= 4 && I.length() == L) {
            IntVector index = IntVector.zero(I).addIndex(1);
            for (; i <= n - L; i += L, index = index.add(L)) {
                VectorMask<Float> compared = FloatVector.fromArray(F, v, i).compare(test, threshold);
                VectorMask<Integer> hit = (negate ? compared.not() : compared).cast(I);
                // count <= i, so the whole vector fits below n
                index.compress(hit).intoArray(out, count);
                count += hit.trueCount();
            }
        }
        for (; i < n; i++) {
            boolean passes = test == VectorOperators.GE ? v[i] >= threshold : v[i] <= threshold;
            if (passes != negate) out[count++] = i;
        }
        return count;
    }
}
