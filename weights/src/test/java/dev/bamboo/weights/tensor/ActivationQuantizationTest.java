package dev.bamboo.weights.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vector Q8_0 quantization of activations against its value-by-value twin (ggml's quantize_row_q8_0_reference):
 * the same quants and scales, bit for bit, for random values, odd lengths (a partial last block), exact halves and
 * special values.
 */
class ActivationQuantizationTest {

    private static void assertSameAsScalar(float[] x, int n) {
        int blocks = (n + ActivationVector.Q8_BLOCK - 1) / ActivationVector.Q8_BLOCK;
        byte[] q = new byte[blocks * ActivationVector.Q8_BLOCK], qRef = q.clone();
        float[] d = new float[blocks], dRef = d.clone();
        ActivationVector.quantizeQ8(x, n, q, d);
        ActivationVector.quantizeQ8Scalar(x, 0, n, qRef, dRef);
        assertArrayEquals(qRef, q, "quants");
        assertArrayEquals(dRef, d, "scales");
        for (float scale : d) assertEquals(scale, Float.float16ToFloat(Float.floatToFloat16(scale)), "a Q8_0 scale is a half");
    }

    /**
     * As ggml stores it: the scale is amax / 127 rounded to a half, while the quants come from the unrounded scale (the
     * twin shares the scale code, so this pins it to ggml's numbers).
     */
    @Test
    void theScaleIsAmaxOver127RoundedToAHalf() {
        float[] x = new float[32];
        x[0] = 1f;
        x[1] = -0.5f;
        byte[] q = new byte[32];
        float[] d = new float[1];
        ActivationVector.quantizeQ8(x, 32, q, d);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1f / 127)), d[0]);
        org.junit.jupiter.api.Assertions.assertNotEquals(1f / 127, d[0], "1/127 is not a half");
        assertEquals(127, q[0]);
        assertEquals(-64, q[1], "-63.5 rounds away from zero");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 31, 32, 33, 100, 4096, 4099})
    void randomValuesOfAnyLength(int n) {
        Random rnd = new Random(n);
        for (int rep = 0; rep < 20; rep++) {
            float[] x = new float[n];
            float scale = (float) Math.pow(10, rnd.nextInt(9) - 4);
            for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian() * scale;
            assertSameAsScalar(x, n);
        }
    }

    @Test
    void halvesRoundAwayFromZero() {
        // amax 127 gives d = 1: the quants are the values rounded, and the halves are exact
        float[] x = new float[64];
        x[0] = 127f;
        for (int i = 1; i < 32; i++) x[i] = (i % 2 == 0 ? -1 : 1) * (i - 0.5f);
        x[32] = -127f;
        for (int i = 33; i < 64; i++) x[i] = 0.49999997f * (i % 2 == 0 ? -1 : 1) + (i - 33);
        assertSameAsScalar(x, x.length);
        byte[] q = new byte[64];
        ActivationVector.quantizeQ8(x, 64, q, new float[2]);
        assertEquals(1, q[1], "0.5 -> 1");
        assertEquals(-2, q[2], "-1.5 -> -2");
        assertEquals(0, q[33], "just below a half rounds down");
    }

    @Test
    void zerosAndSpecialValues() {
        assertSameAsScalar(new float[96], 96);
        float[] x = new float[96];
        x[3] = Float.POSITIVE_INFINITY;
        x[40] = Float.NaN;
        x[41] = 2f;
        x[70] = -0f;
        x[71] = Float.MIN_VALUE;
        assertSameAsScalar(x, x.length);
    }
}
