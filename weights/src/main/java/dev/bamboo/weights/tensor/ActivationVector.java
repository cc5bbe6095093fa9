package dev.bamboo.weights.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static dev.bamboo.weights.tensor.Simd.B;
import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;

/**
 * The input of a matrix-vector product: float values plus, computed on first use, their Q8_0 form
 * (blocks of 32 int8 with one scale each, as llama.cpp quantizes activations for Q8_0/Q4_0-family weights).
 * Call {@link #invalidate()} after changing {@link #values()} so the quantized form is recomputed.
 */
public final class ActivationVector {
    public static final int Q8_BLOCK = 32;

    private final float[] values;
    private final int length;
    private final byte[] q8;
    private final float[] q8Scales;
    private final short[] q8Shorts;
    /** The grouped quants, as shorts up to {@link #SHORT_GROUPED} values, else as bytes; the other one is null. */
    private final short[] q8Grouped;
    private final byte[] q8GroupedBytes;
    private volatile boolean q8Valid;
    // the two widened forms are made only for the kernels that read them: file-layout blocks or packed Q4_0
    private volatile boolean shortsValid;
    private volatile boolean groupedValid;
    /** The values times {@link F16Kernels#SCALE}, made for F16 weights; null if never needed. */
    private float[] halfScaled;
    private volatile boolean halfScaledValid;
    private float halfUnscale = 1f;

    public ActivationVector(float[] values, int length) {
        this.values = values;
        this.length = length;
        int blocks = (length + Q8_BLOCK - 1) / Q8_BLOCK;
        this.q8 = new byte[blocks * Q8_BLOCK];
        this.q8Scales = new float[blocks];
        this.q8Shorts = new short[blocks * Q8_BLOCK];
        boolean shortGrouped = length <= SHORT_GROUPED;
        this.q8Grouped = shortGrouped ? new short[blocks * Q8_BLOCK] : null;
        this.q8GroupedBytes = shortGrouped ? null : new byte[blocks * Q8_BLOCK];
    }

    /**
     * Vectors up to this long give the packed kernels ({@link Q4_0PackedTensor}, {@link Q8_0PackedTensor}) their grouped
     * quants as shorts, longer ones as bytes. The kernels multiply in 16-bit lanes and read the activation quants of a
     * row once per row. As shorts they load with no widening, which the compute-bound Q4_0 product feels (29.4 against
     * 27.4 GB/s on 14336 × 4096 matrices from memory, 2 threads); but a long row's shorts no longer stay in L1 beside
     * the weights streaming in (14336 values are 28 KB of shorts, 14 KB of bytes; L1 is 32 KB), and on 4096 × 14336
     * matrices bytes read 21.1–22.0 GB/s against 15.3–15.9 as shorts (Q4_0), 22.5–27.0 against 17.7–18.2 (Q8_0)
     * (bench/HISTORY.md, Kernels, "Nineteenth session").
     */
    static final int SHORT_GROUPED = 4096;

    public static ActivationVector of(float[] values) {
        return new ActivationVector(values, values.length);
    }

    public float[] values() { return values; }

    public int length() { return length; }

    public void invalidate() {
        q8Valid = false;
        shortsValid = false;
        groupedValid = false;
        halfScaledValid = false;
    }

    /**
     * Computes now, on the calling thread, the forms of these values that {@code w}'s kernels read. Call it before a
     * product spread over threads: otherwise the first thread to need them computes them while the others wait.
     */
    public ActivationVector prepareFor(Tensor w) {
        if (w instanceof Q4_0PackedTensor || w instanceof Q8_0PackedTensor) group();
        else if (w.type().blockSize() > 1) q8Shorts();
        else if (w instanceof F16Tensor) halfScaled();
        return this;
    }

    /** Q8_0 quants (length rounded up to a whole block; the tail is zero). */
    public byte[] q8() {
        ensureQ8();
        return q8;
    }

    /** Q8_0 block scales, already rounded to f16 as stored by ggml. */
    public float[] q8Scales() {
        ensureQ8();
        return q8Scales;
    }

    /**
     * The Q8_0 quants of {@link #q8()} as shorts, for the block kernels that multiply quants in 16-bit lanes
     * (a product of an int8 activation and an int8 or int4 weight, and the sum of two such, fit in 16 bits).
     */
    short[] q8Shorts() {
        if (!shortsValid) widenShorts();
        return q8Shorts;
    }

    private synchronized void widenShorts() {
        if (shortsValid) return;
        ensureQ8();
        for (int i = 0; i < q8.length; i++) q8Shorts[i] = q8[i];
        shortsValid = true;
    }

    /**
     * The Q8_0 quants of {@link #q8()} as shorts in the grouped order of {@link Q4_0PackedTensor} (whole groups of
     * blocks only): lane {@code l} of a vector belongs to block {@code l} of its group, like the packed weights. Null
     * for vectors longer than {@link #SHORT_GROUPED}: {@link #q8GroupedBytes} has them.
     */
    short[] q8Grouped() {
        group();
        return q8Grouped;
    }

    /** {@link #q8Grouped} as bytes, for vectors longer than {@link #SHORT_GROUPED}; null for the others. */
    byte[] q8GroupedBytes() {
        group();
        return q8GroupedBytes;
    }

    private void group() {
        if (groupedValid) return;
        synchronized (this) {
            if (groupedValid) return;
            ensureQ8();
            GroupedOrder.toGrouped(q8, q8Grouped, q8GroupedBytes);
            groupedValid = true;
        }
    }

    /**
     * The values times {@code 2^112 / }{@link #halfUnscale()} for {@link F16Kernels#dot}: times 2^112 exactly while
     * every value is below 2^16 in magnitude; otherwise by a power of two that much smaller, so that none overflows.
     * Scaling by a power of two is exact.
     */
    float[] halfScaled() {
        if (!halfScaledValid) scaleForHalves();
        return halfScaled;
    }

    /** What a dot product against {@link #halfScaled()} is multiplied by at the end: 1, or a power of two. */
    float halfUnscale() {
        if (!halfScaledValid) scaleForHalves();
        return halfUnscale;
    }

    private synchronized void scaleForHalves() {
        if (halfScaledValid) return;
        if (halfScaled == null) halfScaled = new float[length];
        FloatVector largestLanes = FloatVector.zero(F);
        int i = 0;
        for (; i <= length - L; i += L) largestLanes = largestLanes.max(FloatVector.fromArray(F, values, i).abs());
        float largest = largestLanes.reduceLanes(VectorOperators.MAX);
        for (; i < length; i++) largest = Math.max(largest, Math.abs(values[i]));
        // 2^16 and above would overflow at 2^112; infinities and NaNs stay what they are at any scale
        int shift = Float.isFinite(largest) && largest >= 0x1p16f ? Math.getExponent(largest) - 15 : 0;
        halfUnscale = Math.scalb(1f, shift);
        float scale = Math.scalb(F16Kernels.SCALE, -shift);
        for (i = 0; i <= length - L; i += L) FloatVector.fromArray(F, values, i).mul(scale).intoArray(halfScaled, i);
        for (; i < length; i++) halfScaled[i] = values[i] * scale;
        halfScaledValid = true;
    }

    private void ensureQ8() {
        if (q8Valid) return;
        synchronized (this) {
            if (q8Valid) return;
            quantizeQ8(values, length, q8, q8Scales);
            q8Valid = true;
        }
    }

    /**
     * ggml's quantize_row_q8_0_reference: d = amax/127 (stored as f16), q = round(x / d) half away from zero. Whole
     * blocks go through the vector unit (this runs on the calling thread before every quantized product, between the
     * pool's parallel calls); the results are bitwise those of {@link #quantizeQ8Scalar}.
     */
    static void quantizeQ8(float[] x, int n, byte[] qs, float[] scales) {
        int vectorBlocks = Simd.FLOAT_VECTORS && B.length() == L && Q8_BLOCK % L == 0 ? n / Q8_BLOCK : 0;
        for (int b = 0; b < vectorBlocks; b++) {
            int base = b * Q8_BLOCK;
            FloatVector max = FloatVector.zero(F);
            for (int i = 0; i < Q8_BLOCK; i += L) max = max.max(FloatVector.fromArray(F, x, base + i).abs());
            float id = blockScale(max.reduceLanes(VectorOperators.MAX), scales, b);
            for (int i = 0; i < Q8_BLOCK; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, base + i).mul(id), a = v.abs();
                // round half away from zero, exactly: the integer part, plus one where the fraction is at least 1/2
                IntVector whole = (IntVector) a.convert(VectorOperators.F2I, 0);
                FloatVector fraction = a.sub((FloatVector) whole.convert(VectorOperators.I2F, 0));
                IntVector rounded = whole.add(1, fraction.compare(VectorOperators.GE, 0.5f).cast(I));
                rounded = rounded.lanewise(VectorOperators.NEG, v.compare(VectorOperators.LT, 0f).cast(I));
                ((ByteVector) rounded.convertShape(VectorOperators.I2B, B, 0)).intoArray(qs, base + i);
            }
        }
        quantizeQ8Scalar(x, vectorBlocks * Q8_BLOCK, n, qs, scales);
    }

    /** {@link #quantizeQ8} value by value, for the blocks from the one starting at {@code from} (a block boundary). */
    static void quantizeQ8Scalar(float[] x, int from, int n, byte[] qs, float[] scales) {
        for (int b = from / Q8_BLOCK; b < scales.length; b++) {
            int base = b * Q8_BLOCK;
            int end = Math.min(base + Q8_BLOCK, n);
            float amax = 0f;
            for (int i = base; i < end; i++) amax = Math.max(amax, Math.abs(x[i]));
            float id = blockScale(amax, scales, b);
            for (int i = 0; i < Q8_BLOCK; i++) {
                int k = base + i;
                qs[k] = k < end ? (byte) roundHalfAway(x[k] * id) : 0;
            }
        }
    }

    /** Stores block {@code b}'s scale {@code amax / 127}, rounded to f16 as ggml stores it; returns the multiplier {@code 1 / d}. */
    private static float blockScale(float amax, float[] scales, int b) {
        float d = amax / 127f;
        scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
        return d != 0f ? 1f / d : 0f;
    }

    /** C's roundf: halves round away from zero (Math.round rounds them up). */
    public static int roundHalfAway(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -a : a);
    }
}
