package dev.bamboo.weights.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.L;
import static dev.bamboo.weights.tensor.Simd.LE;

/** Vector kernels over little-endian f32 rows. Four accumulators hide the FMA latency. */
final class F32Kernels {
    private F32Kernels() {}

    private static final ValueLayout.OfFloat W = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static FloatVector load(MemorySegment w, long base, int j) {
        return FloatVector.fromMemorySegment(F, w, base + 4L * j, LE);
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
        for (; j < n; j++) sum += w.get(W, base + 4L * j) * x[j];
        return sum;
    }

    static void axpy(MemorySegment w, long base, float a, float[] y, int from, int to) {
        int j = from;
        for (int end = to - L + 1; j < end; j += L) {
            load(w, base, j).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, j)).intoArray(y, j);
        }
        for (; j < to; j++) y[j] += a * w.get(W, base + 4L * j);
    }
}
