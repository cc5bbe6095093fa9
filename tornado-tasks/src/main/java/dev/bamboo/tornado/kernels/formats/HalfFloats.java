package dev.bamboo.tornado.kernels.formats;

/**
 * IEEE half-precision decoding from two raw little-endian bytes, written with integer and float arithmetic only so
 * that TornadoVM can translate it for any OpenCL device: it needs neither {@code cl_khr_fp16} (pocl's CPU device
 * lacks it) nor {@code Float.intBitsToFloat} (which TornadoVM does not translate).
 *
 * <p>Infinities and NaNs (exponent 31) are not decoded: ggml scales and weights are always finite.
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** 2^-24: the value of the smallest subnormal half. */
    private static final float SUBNORMAL_UNIT = 5.9604645e-8f;
    /** 2^-25: (1024 + m) · 2^e · 2^-25 = (1 + m/1024) · 2^(e-15). */
    private static final float NORMAL_UNIT = 2.9802322e-8f;

    /** The half whose low byte is {@code lo} and high byte is {@code hi}. */
    public static float decode(byte lo, byte hi) {
        int bits = (lo & 0xFF) | ((hi & 0xFF) << 8);
        int exponent = (bits >> 10) & 31;
        int mantissa = bits & 1023;
        float magnitude;
        if (exponent == 0) {
            magnitude = mantissa * SUBNORMAL_UNIT;
        } else {
            magnitude = (float) (1024 + mantissa) * (float) (1 << exponent) * NORMAL_UNIT;
        }
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }
}
