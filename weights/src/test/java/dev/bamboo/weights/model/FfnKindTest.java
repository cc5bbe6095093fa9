package dev.bamboo.weights.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ReLU family's cutoff is what exact mode skips on: every gate at or below it must give an exactly zero neuron,
 * and every other nonzero gate a nonzero one (else exact mode would drop or keep the wrong neurons).
 */
class FfnKindTest {

    @ParameterizedTest
    @ValueSource(floats = {-0.2f, -1e-3f, 0f, 0.05f, 0.3f})
    void fatReluCutsGatesBelowItsThresholdOnly(float threshold) {
        FfnKind.FatReLU kind = new FfnKind.FatReLU(threshold);
        // below the threshold zero, from it on the gate as it is (negative gates too, for a negative threshold)
        assertEquals(0f, kind.combine(Math.nextDown(threshold), 2f));
        assertEquals(threshold * 2f, kind.combine(threshold, 2f));
        assertEquals((threshold + 0.5f) * 2f, kind.combine(threshold + 0.5f, 2f));
        checkCutoff(kind, threshold);
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "drelu"})
    void reluCutoffMatchesCombine(String name) {
        FfnKind kind = name.equals("relu") ? new FfnKind.ReGLU() : new FfnKind.DReLU();
        checkCutoff(kind, 0f);
    }

    /**
     * {@link FfnKind#cutsUp}: true exactly where a neuron whose gate passes can still be zero through its up projection,
     * which decides whether exact mode's bundles pay (they bring every passing neuron's down row along).
     */
    @ParameterizedTest
    @ValueSource(strings = {"relu", "drelu", "fatrelu"})
    void cutsUpWhereAPassingGateCanStillGiveZero(String name) {
        FfnKind kind = kind(name);
        SplittableRandom random = new SplittableRandom(11);
        boolean zeroByUp = false;
        for (int i = 0; i < 2000; i++) {
            float gate = 0.2f + (float) random.nextDouble(); // passes every kind's cutoff
            float up = (float) random.nextDouble(-1, 1);
            if (up != 0f && kind.combine(gate, up) == 0f) zeroByUp = true;
        }
        assertEquals(zeroByUp, kind.cutsUp(), kind.label());
    }

    /** A NaN gate is never cut off and gives a NaN neuron (PyTorch's relu(nan) is nan), so corrupt weights show. */
    @ParameterizedTest
    @ValueSource(strings = {"relu", "drelu", "fatrelu"})
    void aNaNGateGivesANaNNeuron(String name) {
        FfnKind kind = kind(name);
        assertTrue(!kind.cutsOff(Float.NaN), kind.label());
        assertTrue(Float.isNaN(kind.combine(Float.NaN, 0.5f)), kind.label());
        assertTrue(Float.isNaN(kind.combine(0.5f, Float.NaN)), kind.label());
    }

    private static FfnKind kind(String name) {
        return switch (name) {
            case "relu" -> new FfnKind.ReGLU();
            case "drelu" -> new FfnKind.DReLU();
            default -> new FfnKind.FatReLU(0.1f);
        };
    }

    private static void checkCutoff(FfnKind kind, float threshold) {
        float cutoff = kind.gateCutoff();
        SplittableRandom random = new SplittableRandom(7);
        float[] edges = {threshold, Math.nextUp(threshold), Math.nextDown(threshold), 0f, -0f, Math.nextUp(0f), Math.nextDown(0f), cutoff, Math.nextUp(cutoff)};
        for (int i = 0; i < 2000; i++) {
            float gate = i < edges.length ? edges[i] : (float) random.nextDouble(-1, 1);
            float up = 0.5f + (float) random.nextDouble(); // positive: dReLU's up factor does not cut
            float value = kind.combine(gate, up);
            // compared as numbers: a zero gate may give -0, which adds nothing either
            if (gate <= cutoff) assertTrue(value == 0f, kind.label() + " gate " + gate + " is at or below the cutoff " + cutoff + " but gives " + value);
            else if (gate != 0f) assertTrue(value != 0f, kind.label() + " gate " + gate + " is above the cutoff " + cutoff + " but gives 0");
        }
    }
}
