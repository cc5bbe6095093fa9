package dev.bamboo.tornado.kernels;

import dev.bamboo.tornado.kernels.formats.HalfFloats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernel-side f16 decoder, run as plain Java, against the JDK for every finite half (no device needed). */
class HalfFloatsTest {

    @Test
    void decodesEveryFiniteHalfExactly() {
        for (int bits = 0; bits < 65536; bits++) {
            if (((bits >> 10) & 31) == 31) continue; // infinities and NaNs are out of the decoder's contract
            float expected = Float.float16ToFloat((short) bits);
            float actual = HalfFloats.decode((byte) bits, (byte) (bits >> 8));
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual), "half 0x" + Integer.toHexString(bits));
        }
    }
}
