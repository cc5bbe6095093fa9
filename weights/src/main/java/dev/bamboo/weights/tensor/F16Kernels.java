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

/**
 * Vector kernels over little-endian IEEE half rows. Halves are widened in registers (see {@link #widen}).
 */
final class F16Kernels {
    private F16Kernels() {}

    private static final ValueLayout.OfShort W = ValueLayout.JAVA_SHORT_UNALIGNED;

    static FloatVector load(MemorySegment w, long base, int j) {
        return widen(ShortVector.fromMemorySegment(S, w, base + 2L * j, LE));
    }

    /**
     * {@code L} halves to {@code L} floats, exactly as {@link Float#float16ToFloat}: the sign-extended half shifted
     * left by 13 keeps the sign in bit 31 and puts exponent and mantissa below the float's exponent field, as the
     * float of value 2^-112 times the half's magnitude; one multiply by 2^112 rescales it exactly, subnormal halves
     * included. Only infinities and NaNs (exponent all ones) need the slow path.
     */
    static FloatVector widen(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, I, 0);
        FloatVector f = h.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.AND, 0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
        if (halves.and((short) 0x7C00).compare(VectorOperators.EQ, (short) 0x7C00).anyTrue()) return widenSpecial(halves);
        return f;
    }

    /** Vectors holding infinities or NaNs, which no real weights contain: lane by lane. */
    private static FloatVector widenSpecial(ShortVector halves) {
        short[] h = halves.toArray();
        float[] f = new float[L];
        for (int i = 0; i < L; i++) f[i] = Float.float16ToFloat(h[i]);
        return FloatVector.fromArray(F, f, 0);
    }

    private static float scalar(MemorySegment w, long base, int j) {
        return Float.float16ToFloat(w.get(W, base + 2L * j));
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
            float v = scalar(w, base, j);
            s0 += v * x0[j]; s1 += v * x1[j]; s2 += v * x2[j]; s3 += v * x3[j];
        }
        out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
    }

    static void axpy(MemorySegment w, long base, float a, float[] y, int from, int to) {
        int j = from;
        for (int end = to - L + 1; j < end; j += L) {
            load(w, base, j).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, j)).intoArray(y, j);
        }
        for (; j < to; j++) y[j] += a * scalar(w, base, j);
    }
}
