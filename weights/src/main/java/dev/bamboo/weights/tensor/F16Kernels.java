package dev.bamboo.weights.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.FLOAT_VECTORS;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;
import static dev.bamboo.weights.tensor.Simd.LE;
import static dev.bamboo.weights.tensor.Simd.S;

/**
 * Kernels over little-endian IEEE half rows. The dot products are Vector API code that widens halves in registers by
 * integer shifts ({@link #shifted}): exact for finite halves, which is all they may be given ({@link F16Tensor} runs a
 * tensor holding an infinity or NaN through its plain loops instead). The row accumulations ({@link #axpy4}) are
 * plain loops that C2 compiles to the hardware's half-to-float conversion, exact for every half: C2 does not vectorize
 * a dot product's sum, but an accumulation into {@code y} has none.
 */
final class F16Kernels {
    private F16Kernels() {}

    private static final ValueLayout.OfShort W = ValueLayout.JAVA_SHORT_UNALIGNED;
    /** A half's exponent field: all ones for infinities and NaNs. */
    private static final short EXPONENT = 0x7C00;

    /** True when halves {@code [from, to)} of {@code w} are all finite (none has an exponent field of all ones). */
    static boolean allFinite(MemorySegment w, long from, long to) {
        long j = from;
        if (FLOAT_VECTORS) {
            ShortVector exponents = ShortVector.zero(S);
            for (long end = to - L + 1; j < end; j += L) exponents = exponents.max(ShortVector.fromMemorySegment(S, w, 2 * j, LE).and(EXPONENT));
            if (exponents.reduceLanes(VectorOperators.MAX) == EXPONENT) return false;
        }
        for (; j < to; j++) if ((w.get(W, 2 * j) & EXPONENT) == EXPONENT) return false;
        return true;
    }

    private static float scalar(MemorySegment w, long base, int j) {
        return Float.float16ToFloat(w.get(W, base + 2L * j));
    }

    /**
     * {@code row · x}, given {@code scaled} = {@code x · 2^112 / unscale} ({@link ActivationVector#halfScaled}; {@code
     * unscale} is 1 unless an activation is 2^16 or more, a power of two then). A half shifted into float position is
     * its value times 2^-112 ({@link #shifted}); against activations scaled by 2^112 each product is exactly the
     * half's times {@code x}, so the weights need no rescaling multiply (in cache, one core: 30 → 40 GB/s).
     *
     * <p>Rows of up to {@link #SHORT_ROW} values go in chunks of {@link #CHUNK}, an inner loop of constant length that
     * C2 unrolls whole. As one plain loop, the way C2 unrolled it cost such rows from memory: the predictors' 14336 ×
     * 1024 {@code fc2} read at 22–25 GB/s (2 threads, the two loops alternating in one process) and 35–36 chunked, 2048
     * values 32 → 35 GB/s; 4096-value rows read as fast or faster as one loop (41–44 either way from memory, 53–55
     * against 51–54 in cache), so they keep it. Either way the sum is the same chain in the same order.
     */
    static float dot(MemorySegment w, long base, float[] scaled, float unscale, int n) {
        // one accumulator, so that dot4 and dotTokens4 can keep four of these chains side by side and give the same bits
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (int end = n <= SHORT_ROW ? n - CHUNK + 1 : 0; j < end; j += CHUNK) {
            for (int c = 0; c < CHUNK; c += L) acc = shifted(raw(w, base, j + c)).fma(FloatVector.fromArray(F, scaled, j + c), acc);
        }
        for (int end = n - L + 1; j < end; j += L) acc = shifted(raw(w, base, j)).fma(FloatVector.fromArray(F, scaled, j), acc);
        return finish(w, base, Simd.sum(acc), scaled, unscale, j, n);
    }

    /**
     * {@link #dot} of two rows at once, {@code out[o] = row_0 · x} and {@code out[o + 1] = row_1 · x}, each row's sum the
     * same chain as {@code dot}'s (the same bits). For the dense product, two consecutive rows: one row's chain of
     * fused multiply-adds waits on each add, two chains fill the gaps, and two streams are what the prefetchers keep up
     * with (12 cold 14336 × 4096 matrices, 2 threads, the two ways alternating in one process: 31–44 GB/s one row at a
     * time, 40–46 two side by side, faster in every round; four side by side read slower, 18–20).
     */
    static void dot2(MemorySegment w, long b0, long b1, float[] scaled, float unscale, int n, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int j = 0;
        for (int end = n - L + 1; j < end; j += L) {
            FloatVector xj = FloatVector.fromArray(F, scaled, j);
            a0 = shifted(raw(w, b0, j)).fma(xj, a0);
            a1 = shifted(raw(w, b1, j)).fma(xj, a1);
        }
        out[o] = finish(w, b0, Simd.sum(a0), scaled, unscale, j, n);
        out[o + 1] = finish(w, b1, Simd.sum(a1), scaled, unscale, j, n);
    }

    /**
     * {@link #dot} of four rows at once, {@code out[o_k] = row_k · x}: each row's sum is the same chain of fused
     * multiply-adds as {@code dot}'s, so every row gets {@code dot}'s bits whichever group it falls in. Why four: a
     * gathered row is a short stream, and one core reading one row at a time keeps too few cache misses in flight
     * (measured on 15 % of the 8 KB rows of Bamboo-7B F16 matrices, 2 threads: 11–13 GB/s one row at a time, 15–19
     * four side by side, 26–38 for plain loads of four rows side by side). The activations are loaded once for the four
     * rows. (Two accumulators per row, eight in all, compile to code four times slower.)
     */
    static void dot4(MemorySegment w, long b0, long b1, long b2, long b3, float[] scaled, float unscale, int n,
                     float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int end = n - L + 1; j < end; j += L) {
            FloatVector xj = FloatVector.fromArray(F, scaled, j);
            a0 = shifted(raw(w, b0, j)).fma(xj, a0);
            a1 = shifted(raw(w, b1, j)).fma(xj, a1);
            a2 = shifted(raw(w, b2, j)).fma(xj, a2);
            a3 = shifted(raw(w, b3, j)).fma(xj, a3);
        }
        out[o0] = finish(w, b0, Simd.sum(a0), scaled, unscale, j, n);
        out[o1] = finish(w, b1, Simd.sum(a1), scaled, unscale, j, n);
        out[o2] = finish(w, b2, Simd.sum(a2), scaled, unscale, j, n);
        out[o3] = finish(w, b3, Simd.sum(a3), scaled, unscale, j, n);
    }

    /**
     * {@link #dot} of one row against four tokens, {@code outs[t][o] = row · x_t}: the row is loaded and widened once
     * for the four, and each token's sum is {@code dot}'s chain, so the bits are {@code dot}'s (batched prompt tokens
     * get what one token alone gets).
     */
    static void dotTokens4(MemorySegment w, long base, float[][] scaled, float[] unscale, int t0, int n, float[][] outs, int o) {
        float[] s0 = scaled[t0], s1 = scaled[t0 + 1], s2 = scaled[t0 + 2], s3 = scaled[t0 + 3];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int j = 0;
        for (int end = n - L + 1; j < end; j += L) {
            FloatVector v = shifted(raw(w, base, j));
            a0 = v.fma(FloatVector.fromArray(F, s0, j), a0);
            a1 = v.fma(FloatVector.fromArray(F, s1, j), a1);
            a2 = v.fma(FloatVector.fromArray(F, s2, j), a2);
            a3 = v.fma(FloatVector.fromArray(F, s3, j), a3);
        }
        outs[t0][o] = finish(w, base, Simd.sum(a0), s0, unscale[t0], j, n);
        outs[t0 + 1][o] = finish(w, base, Simd.sum(a1), s1, unscale[t0 + 1], j, n);
        outs[t0 + 2][o] = finish(w, base, Simd.sum(a2), s2, unscale[t0 + 2], j, n);
        outs[t0 + 3][o] = finish(w, base, Simd.sum(a3), s3, unscale[t0 + 3], j, n);
    }

    /**
     * A row's sum of vector lanes {@code sum} plus its scalar tail from {@code j}, unscaled: the end of {@link #dot}.
     * It takes the lane sum, not the vector: a vector passed to a call C2 does not inline is boxed.
     */
    private static float finish(MemorySegment w, long base, float sum, float[] scaled, float unscale, int j, int n) {
        for (; j < n; j++) sum += scalar(w, base, j) / SCALE * scaled[j];
        return sum * unscale;
    }

    private static ShortVector raw(MemorySegment w, long base, int j) {
        return ShortVector.fromMemorySegment(S, w, base + 2L * j, LE);
    }

    /** {@code L} finite halves to {@code L} floats, exactly as {@link Float#float16ToFloat}: {@link #shifted} times 2^112. */
    static FloatVector widenFinite(ShortVector halves) {
        return shifted(halves).mul(SCALE);
    }

    /**
     * Finite halves as floats of their value times 2^-112: the sign-extended half shifted left by 13 keeps the sign in
     * bit 31 and puts exponent and mantissa below the float's exponent field, as the float of value 2^-112 times the
     * half's magnitude, subnormal halves included. (An infinity or NaN would come out as a finite float.)
     */
    private static FloatVector shifted(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.AND, 0x8FFFE000).reinterpretAsFloats();
    }

    /** Values per chunk of {@link #dot}'s loop. */
    static final int CHUNK = 8 * L;
    /** Rows up to this long take {@link #dot}'s chunked loop. */
    static final int SHORT_ROW = 2048;

    /** What {@link #shifted} halves are short of their value. */
    static final float SCALE = 0x1p112f;

    /** The plain loop: tensors holding infinities or NaNs, and platforms without a usable vector shape. */
    static float dotScalar(MemorySegment w, long base, float[] x, int n) {
        float sum = 0f;
        for (int j = 0; j < n; j++) sum += scalar(w, base, j) * x[j];
        return sum;
    }

    /**
     * Four rows' {@code y += a_k · row_k} over {@code y[from, to)}, {@code base_k} the rows' first halves: each element
     * sees the four fused multiply-adds in row order, so the result is bitwise that of four {@link #axpy} calls. Exact
     * for every half, infinities and NaNs included.
     *
     * <p>A plain loop, not Vector API code: C2 compiles it to vector code in which {@link Float#float16ToFloat} is the
     * hardware's half-to-float conversion, one instruction for a vector of halves where {@link #shifted}'s widening takes
     * three. Against the Vector API form with shifts it replaced (a harness, one thread, all rows of 14336 × 4096
     * matrices): 13.7–14.2 → 16.2–16.8 GB/s from memory, 31 → 53 from the L3 cache; the down projection of a 15 % gather,
     * 2 threads: 800–983 → 648–680 µs (bench/HISTORY.md, F16, "Twentieth session"). The loop counts from zero and adds
     * {@code from} to its indices: C2 left the same loop scalar when it started at {@code from}.
     */
    static void axpy4(MemorySegment w, long base0, long base1, long base2, long base3, float a0, float a1, float a2, float a3,
                      float[] y, int from, int to) {
        int n = to - from;
        long i0 = base0 + from, i1 = base1 + from, i2 = base2 + from, i3 = base3 + from;
        for (int j = 0; j < n; j++) {
            float acc = y[from + j];
            acc = Math.fma(a0, Float.float16ToFloat(w.getAtIndex(W, i0 + j)), acc);
            acc = Math.fma(a1, Float.float16ToFloat(w.getAtIndex(W, i1 + j)), acc);
            acc = Math.fma(a2, Float.float16ToFloat(w.getAtIndex(W, i2 + j)), acc);
            acc = Math.fma(a3, Float.float16ToFloat(w.getAtIndex(W, i3 + j)), acc);
            y[from + j] = acc;
        }
    }

    /** {@code y += a · row} over {@code y[from, to)}, {@code base} the row's first half; compiled as {@link #axpy4} is. */
    static void axpy(MemorySegment w, long base, float a, float[] y, int from, int to) {
        int n = to - from;
        long i = base + from;
        for (int j = 0; j < n; j++) y[from + j] = Math.fma(a, Float.float16ToFloat(w.getAtIndex(W, i + j)), y[from + j]);
    }
}
