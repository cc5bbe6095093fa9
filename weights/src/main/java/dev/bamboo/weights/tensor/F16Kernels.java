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
    /** A half's exponent field: all ones for infinities and NaNs. */
    private static final short EXPONENT = 0x7C00;

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
        if (halves.and(EXPONENT).compare(VectorOperators.EQ, EXPONENT).anyTrue()) return widenSpecial(halves);
        return widenFinite(halves);
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

    /**
     * {@code row · x}, given {@code scaled} = {@code x · 2^112 / unscale} ({@link ActivationVector#halfScaled}; {@code
     * unscale} is 1 unless an activation is 2^16 or more, a power of two then). A half shifted into float position is
     * its value times 2^-112 ({@link #shifted}); against activations scaled by 2^112 each product is exactly the
     * half's times {@code x}, so the weights need no rescaling multiply (in cache, one core: 30 → 40 GB/s). Infinities
     * and NaNs are looked for once per row rather than per vector (the per-vector check and its slow path, inlined five
     * times, outgrew C2's node budget, which then left the final lane sum a boxed call): the largest exponent field
     * seen decides at the end whether the row needs the exact lane-by-lane path.
     */
    static float dot(MemorySegment w, long base, float[] x, float[] scaled, float unscale, int n) {
        // two accumulators: the loop is bound by memory, and a larger body outgrows C2's node budget
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        ShortVector exponents = ShortVector.zero(S);
        int j = 0;
        for (int end = n - 2 * L + 1; j < end; j += 2 * L) {
            ShortVector h0 = raw(w, base, j), h1 = raw(w, base, j + L);
            exponents = exponents.max(h0.and(EXPONENT)).max(h1.and(EXPONENT));
            a0 = shifted(h0).fma(FloatVector.fromArray(F, scaled, j), a0);
            a1 = shifted(h1).fma(FloatVector.fromArray(F, scaled, j + L), a1);
        }
        for (int end = n - L + 1; j < end; j += L) {
            ShortVector h = raw(w, base, j);
            exponents = exponents.max(h.and(EXPONENT));
            a0 = shifted(h).fma(FloatVector.fromArray(F, scaled, j), a0);
        }
        if (exponents.reduceLanes(VectorOperators.MAX) == EXPONENT) return dotScalar(w, base, x, n);
        float sum = Simd.sum(a0.add(a1));
        for (; j < n; j++) sum += scalar(w, base, j) / SCALE * scaled[j];
        return sum * unscale;
    }

    private static ShortVector raw(MemorySegment w, long base, int j) {
        return ShortVector.fromMemorySegment(S, w, base + 2L * j, LE);
    }

    /** {@link #widen} for halves known to be finite (no lane's exponent field all ones). */
    private static FloatVector widenFinite(ShortVector halves) {
        return shifted(halves).mul(SCALE);
    }

    /** Finite halves as floats of their value times 2^-112: sign, exponent and mantissa shifted into float position. */
    private static FloatVector shifted(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.AND, 0x8FFFE000).reinterpretAsFloats();
    }

    /** What {@link #shifted} halves are short of their value. */
    static final float SCALE = 0x1p112f;

    /** The plain loop: rows holding infinities or NaNs, and platforms without a usable vector shape. */
    static float dotScalar(MemorySegment w, long base, float[] x, int n) {
        float sum = 0f;
        for (int j = 0; j < n; j++) sum += scalar(w, base, j) * x[j];
        return sum;
    }

    /**
     * Four rows' {@code y += a_k · row_k} in one pass over {@code y[from, to)}: {@code y} is loaded and stored once per
     * four rows. Each element sees the same fused multiply-adds in the same row order as four {@link #axpy} calls,
     * so the result is bitwise theirs. The coefficients take the weights' missing 2^112 ({@link #shifted}), exactly,
     * unless one is 2^16 or more: then the rows go one by one through {@link #axpy}, which rescales the weights.
     */
    static void axpy4(MemorySegment w, long b0, long b1, long b2, long b3, float a0, float a1, float a2, float a3,
                      float[] y, int from, int to) {
        if (!(Math.max(Math.max(Math.abs(a0), Math.abs(a1)), Math.max(Math.abs(a2), Math.abs(a3))) < 0x1p16f)) {
            axpy(w, b0, a0, y, from, to);
            axpy(w, b1, a1, y, from, to);
            axpy(w, b2, a2, y, from, to);
            axpy(w, b3, a3, y, from, to);
            return;
        }
        FloatVector v0 = FloatVector.broadcast(F, a0 * SCALE), v1 = FloatVector.broadcast(F, a1 * SCALE);
        FloatVector v2 = FloatVector.broadcast(F, a2 * SCALE), v3 = FloatVector.broadcast(F, a3 * SCALE);
        int j = from;
        for (int end = to - L + 1; j < end; j += L) {
            FloatVector acc = FloatVector.fromArray(F, y, j);
            acc = loadShifted(w, b0, j).fma(v0, acc);
            acc = loadShifted(w, b1, j).fma(v1, acc);
            acc = loadShifted(w, b2, j).fma(v2, acc);
            loadShifted(w, b3, j).fma(v3, acc).intoArray(y, j);
        }
        axpy4Tail(w, b0, b1, b2, b3, a0, a1, a2, a3, y, j, to);
    }

    private static void axpy4Tail(MemorySegment w, long b0, long b1, long b2, long b3, float a0, float a1, float a2, float a3,
                                  float[] y, int from, int to) {
        for (int j = from; j < to; j++) {
            y[j] += a0 * scalar(w, b0, j);
            y[j] += a1 * scalar(w, b1, j);
            y[j] += a2 * scalar(w, b2, j);
            y[j] += a3 * scalar(w, b3, j);
        }
    }

    /** {@code L} halves as {@link #shifted} floats, their value times 2^-112, infinities and NaNs included. */
    private static FloatVector loadShifted(MemorySegment w, long base, int j) {
        ShortVector halves = raw(w, base, j);
        if (halves.and(EXPONENT).compare(VectorOperators.EQ, EXPONENT).anyTrue()) return widenSpecial(halves).mul(1f / SCALE);
        return shifted(halves);
    }

    static void axpy(MemorySegment w, long base, float a, float[] y, int from, int to) {
        int j = from;
        for (int end = to - L + 1; j < end; j += L) {
            load(w, base, j).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, j)).intoArray(y, j);
        }
        for (; j < to; j++) y[j] += a * scalar(w, base, j);
    }
}
