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

    static void axpy(MemorySegment w, long base, float a, float[] y, int from, int to) {
        int j = from;
        for (int end = to - L + 1; j < end; j += L) {
            load(w, base, j).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, j)).intoArray(y, j);
        }
        for (; j < to; j++) y[j] += a * scalar(w, base, j);
    }
}
