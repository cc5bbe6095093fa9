package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Neuron bundles against the three repacked matrices they copy: the products over each part and the down accumulation
 * give the matrices' own kernels' bits, for scattered lists of neurons (odd counts, several term blocks).
 */
class Q4_0NeuronBundlesTest {
    private static final int NEURONS = 37;
    private static ComputePool pool;

    @BeforeAll
    static void startPool() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    private static Q4_0PackedTensor packed(int cols, long seed) {
        return (Q4_0PackedTensor) Tensors.packForCpu(RandomTensors.create(GGMLType.Q4_0, NEURONS, cols, new Random(seed)), pool);
    }

    @ParameterizedTest(name = "hidden={0}")
    @ValueSource(ints = {512, 1024, 4608})
    void partsGiveTheMatricesBits(int hidden) {
        Q4_0PackedTensor gate = packed(hidden, 1), up = packed(hidden, 2), downT = packed(hidden, 3);
        assertTrue(Q4_0NeuronBundles.bundleable(gate, up, downT));
        Q4_0NeuronBundles b = Q4_0NeuronBundles.of(gate, up, downT, pool);
        assertEquals(Arrays.stream(Q4_0NeuronBundles.arrays(gate)).sum(), b.bytes());
        Random random = new Random(hidden);
        ActivationVector x = RandomTensors.activations(hidden, random).prepareFor(gate);
        int[] rows = {36, 0, 5, 17, 18, 2, 33, 9, 30, 11, 4};
        float[] expected = new float[NEURONS], actual = new float[NEURONS];
        gate.dotRows(rows, 0, rows.length, x, expected);
        b.touch(Q4_0NeuronBundles.Part.GATE, Q4_0NeuronBundles.Part.DOWN, rows, 0, rows.length);
        b.gate(rows, 0, rows.length, x, actual);
        assertBitwise(expected, actual, "gate");
        up.dotRows(rows, 1, rows.length - 1, x, expected);
        b.up(rows, 1, rows.length - 1, x, actual);
        assertBitwise(expected, actual, "up");

        // more terms than one factor-quantization block, in list order, some repeated
        int count = 45;
        int[] terms = new int[count];
        float[] coeffs = new float[count];
        for (int k = 0; k < count; k++) {
            terms[k] = random.nextInt(NEURONS);
            coeffs[k] = (float) random.nextGaussian();
        }
        float[] down = new float[hidden], bundled = new float[hidden];
        downT.axpyRows(terms, coeffs, count, down, 0, hidden);
        Q4_0NeuronBundles.DownSums sums = Q4_0NeuronBundles.downSums(hidden);
        b.addDown(terms, coeffs, count, sums);
        sums.copyTo(bundled);
        assertBitwise(down, bundled, "down");
        sums.reset();
        sums.copyTo(bundled);
        for (float v : bundled) assertEquals(0f, v);
    }

    @Test
    void onlyRepackedQ4_0MatricesOfOneShapeBundle() {
        Q4_0PackedTensor gate = packed(512, 1), up = packed(512, 2);
        assertFalse(Q4_0NeuronBundles.bundleable(gate, up, packed(1024, 3)));
        assertFalse(Q4_0NeuronBundles.bundleable(gate, up, RandomTensors.create(GGMLType.F16, NEURONS, 512, new Random(3))));
        assertFalse(Q4_0NeuronBundles.bundleable(gate, up, packed(512, 3).forRowRuns(pool)));
    }

    private static void assertBitwise(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + " " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
