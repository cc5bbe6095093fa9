package dev.bamboo.weights.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;
import static dev.bamboo.weights.tensor.Simd.LE;
import static dev.bamboo.weights.tensor.Simd.S;

/** Vector kernels over little-endian bfloat16 rows: a bf16 is the upper half of an f32, so widening is a shift. */
final class BF16Kernels {
    private BF16Kernels() {}

    private static final ValueLayout.OfShort W = ValueLayout.JAVA_SHORT_UNALIGNED;

    static FloatVector load(MemorySegment w, long base, int j) {
        return widen(ShortVector.fromMemorySegment(S, w, base + 2L * j, LE));
    }

    static FloatVector widen(ShortVector halves) {
        return ((IntVector) halves.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float scalar(MemorySegment w, long base, int j) {
        return BF16Tensor.decode(w.get(W, base + 2L * j));
    }

    static float dot(MemorySegment w, long base, float[] x, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int end = n - 4 * L + 1; j < end; j += 4 * L) {
            a0 = load(w, base, j).fma(FloatVector.fromArray(F, x, j), a0);
            a1 = load(w, base, j + L).fma(FloatVector.fromArray(F, x, j + L), a1);
            a2 = load(w, base, j + 2 * L).fma(FloatVector.fromArray(F, x, j + 2 * L), a2);
            a3 = load(w, base, j + 3 * L).fma(FloatVector.fromArray(F, x, j + 3 * L), a3);
        }
        for (int end = n - L + 1; j < end; j += L) a0 = load(w, base, j).fma(FloatVector.fromArray(F, x, j), a0);
        float sum = Simd.sum(a0.add(a1).add(a2.add(a3)));
        for (; j < n; j++) sum += scalar(w, base, j) * x[j];
        return sum;
    }

    /**
     * {@link #dot} of two rows at once, {@code out[o] = row_0 · x} and {@code out[o + 1] = row_1 · x}: each row's four
     * chains are {@code dot}'s, added in {@code dot}'s order, so the bits are {@code dot}'s. The activations are loaded
     * once for both rows: a long row's activations (14336 floats are 56 KB) no longer fit L1, and row by row they came
     * from L2 once per row.
     */
    static void dot2(MemorySegment w, long b0, long b1, float[] x, int n, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        int j = 0;
        for (int end = n - 4 * L + 1; j < end; j += 4 * L) {
            FloatVector x0 = FloatVector.fromArray(F, x, j), x1 = FloatVector.fromArray(F, x, j + L);
            FloatVector x2 = FloatVector.fromArray(F, x, j + 2 * L), x3 = FloatVector.fromArray(F, x, j + 3 * L);
            a0 = load(w, b0, j).fma(x0, a0);
            c0 = load(w, b1, j).fma(x0, c0);
            a1 = load(w, b0, j + L).fma(x1, a1);
            c1 = load(w, b1, j + L).fma(x1, c1);
            a2 = load(w, b0, j + 2 * L).fma(x2, a2);
            c2 = load(w, b1, j + 2 * L).fma(x2, c2);
            a3 = load(w, b0, j + 3 * L).fma(x3, a3);
            c3 = load(w, b1, j + 3 * L).fma(x3, c3);
        }
        for (int end = n - L + 1; j < end; j += L) {
            FloatVector xj = FloatVector.fromArray(F, x, j);
            a0 = load(w, b0, j).fma(xj, a0);
            c0 = load(w, b1, j).fma(xj, c0);
        }
        float s0 = Simd.sum(a0.add(a1).add(a2.add(a3))), s1 = Simd.sum(c0.add(c1).add(c2.add(c3)));
        for (int k = j; k < n; k++) {
            s0 += scalar(w, b0, k) * x[k];
            s1 += scalar(w, b1, k) * x[k];
        }
        out[o] = s0;
        out[o + 1] = s1;
    }

    static void axpy(MemorySegment w, long base, float a, float[] y, int from, int to) {
        int j = from;
        for (int end = to - L + 1; j < end; j += L) {
            load(w, base, j).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, j)).intoArray(y, j);
        }
        for (; j < to; j++) y[j] += a * scalar(w, base, j);
    }
}
