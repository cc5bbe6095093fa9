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

    /** Four tokens against one row: each weight vector is loaded once and applied to all four. */
    static void dot4(MemorySegment w, long base, float[] x0, float[] x1, float[] x2, float[] x3, int n, float[] out) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        int j = 0;
        for (int end = n - 2 * L + 1; j < end; j += 2 * L) {
            FloatVector v = load(w, base, j), u = load(w, base, j + L);
            a0 = v.fma(FloatVector.fromArray(F, x0, j), a0);
            a1 = v.fma(FloatVector.fromArray(F, x1, j), a1);
            a2 = v.fma(FloatVector.fromArray(F, x2, j), a2);
            a3 = v.fma(FloatVector.fromArray(F, x3, j), a3);
            b0 = u.fma(FloatVector.fromArray(F, x0, j + L), b0);
            b1 = u.fma(FloatVector.fromArray(F, x1, j + L), b1);
            b2 = u.fma(FloatVector.fromArray(F, x2, j + L), b2);
            b3 = u.fma(FloatVector.fromArray(F, x3, j + L), b3);
        }
        for (int end = n - L + 1; j < end; j += L) {
            FloatVector v = load(w, base, j);
            a0 = v.fma(FloatVector.fromArray(F, x0, j), a0);
            a1 = v.fma(FloatVector.fromArray(F, x1, j), a1);
            a2 = v.fma(FloatVector.fromArray(F, x2, j), a2);
            a3 = v.fma(FloatVector.fromArray(F, x3, j), a3);
        }
        float s0 = Simd.sum(a0.add(b0)), s1 = Simd.sum(a1.add(b1));
        float s2 = Simd.sum(a2.add(b2)), s3 = Simd.sum(a3.add(b3));
        for (; j < n; j++) {
            float v = w.get(W, base + 4L * j);
            s0 += v * x0[j]; s1 += v * x1[j]; s2 += v * x2[j]; s3 += v * x3[j];
        }
        out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
    }

    static void axpy(MemorySegment w, long base, float a, float[] y, int from, int to) {
        int j = from;
        for (int end = to - L + 1; j < end; j += L) {
            load(w, base, j).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, j)).intoArray(y, j);
        }
        for (; j < to; j++) y[j] += a * w.get(W, base + 4L * j);
    }
}
