package dev.bamboo.weights.tensor;

import dev.bamboo.weights.BambooException;

/**
 * Encodes float rows into ggml storage formats, producing the same bytes as ggml's reference quantizers
 * ({@code quantize_row_*_reference}) as compiled for PowerInfer's {@code quantize} tool: scales rounded to f16
 * round-to-nearest-even, Q8_0 quants by {@code roundf} (halves away from zero), and Q4_0/Q5_0 quants from one fused
 * multiply-add {@code fma(x, 1/d, 8.5 or 16.5)} truncated toward zero and clamped (GCC contracts {@code x*id + 8.5f}
 * into an fma, and the result differs from two roundings exactly when {@code x/d} is near a half-integer).
 */
public final class Quantizer {
    private Quantizer() {}

    /** True for the types {@link #quantizeRow} can produce. */
    public static boolean canQuantize(GGMLType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q5_0 -> true;
            default -> false;
        };
    }

    /**
     * Encodes {@code n} values {@code src[srcOffset ..]} ({@code n} a multiple of the block size) into
     * {@code dst[dstOffset ..]}, which receives {@code type.bytesFor(n)} bytes.
     */
    public static void quantizeRow(GGMLType type, float[] src, int srcOffset, int n, byte[] dst, int dstOffset) {
        if (n % type.blockSize() != 0) {
            throw new BambooException("cannot quantize a row of " + n + " values to " + type + ": not a multiple of its block size " + type.blockSize());
        }
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) putInt(dst, dstOffset + 4 * i, Float.floatToRawIntBits(src[srcOffset + i]));
            }
            case F16 -> {
                for (int i = 0; i < n; i++) putShort(dst, dstOffset + 2 * i, Float.floatToFloat16(src[srcOffset + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) putShort(dst, dstOffset + 2 * i, toBF16(src[srcOffset + i]));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) q8_0Block(src, srcOffset + 32 * b, dst, dstOffset + 34 * b);
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) q4_0Block(src, srcOffset + 32 * b, dst, dstOffset + 18 * b);
            }
            case Q5_0 -> {
                for (int b = 0; b < n / 32; b++) q5_0Block(src, srcOffset + 32 * b, dst, dstOffset + 22 * b);
            }
            default -> throw new BambooException("Bamboo cannot quantize to " + type + "; it can write F32, F16, BF16, Q8_0, Q4_0 and Q5_0");
        }
    }

    /** bf16 from f32: the upper 16 bits, rounded to nearest even; NaN stays a (quiet) NaN. */
    private static short toBF16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void q8_0Block(float[] x, int xo, byte[] dst, int o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        putShort(dst, o, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) dst[o + 2 + j] = (byte) ActivationVector.roundHalfAway(x[xo + j] * id);
    }

    /** The value of largest magnitude, keeping its sign (the first one on ties, as ggml). */
    private static float signedMax(float[] x, int xo) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    private static void q4_0Block(float[] x, int xo, byte[] dst, int o) {
        float d = signedMax(x, xo) / -8f;
        float id = d != 0f ? 1f / d : 0f;
        putShort(dst, o, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) Math.fma(x[xo + j], id, 8.5f));
            int q1 = Math.min(15, (int) Math.fma(x[xo + 16 + j], id, 8.5f));
            dst[o + 2 + j] = (byte) (q0 | q1 << 4);
        }
    }

    private static void q5_0Block(float[] x, int xo, byte[] dst, int o) {
        float d = signedMax(x, xo) / -16f;
        float id = d != 0f ? 1f / d : 0f;
        putShort(dst, o, Float.floatToFloat16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(31, (int) Math.fma(x[xo + j], id, 16.5f));
            int q1 = Math.min(31, (int) Math.fma(x[xo + 16 + j], id, 16.5f));
            dst[o + 6 + j] = (byte) ((q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(dst, o + 2, qh);
    }

    private static void putShort(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
    }

    private static void putInt(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }
}
