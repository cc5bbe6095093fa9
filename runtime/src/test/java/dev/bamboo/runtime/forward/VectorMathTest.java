package dev.bamboo.runtime.forward;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The forward pass's small vector operations where their edge cases matter. */
class VectorMathTest {
    /** Attention scores of large models reach hundreds: exp of them alone overflows, so softmax subtracts the largest. */
    @Test
    void softmaxOfLargeScoresStaysFinite() {
        float[] x = {1000f, 999f, -5f};
        VectorMath.softmaxInPlace(x, 3);
        assertEquals(1 / (1 + Math.exp(-1)), x[0], 1e-6);
        assertEquals(Math.exp(-1) / (1 + Math.exp(-1)), x[1], 1e-6);
        assertEquals(0f, x[2], 1e-30);
    }
}
