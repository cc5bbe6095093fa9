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
 * Neuron bundles against the three repacked matrices they copy or replace: the products over each part and the down
 * accumulation give the matrices' own kernels' bits, for scattered lists of neurons (odd counts, several term blocks).
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

    /**
     * Bundles packed from the file's matrices, in place of them: each part, as a tensor, is its repacked matrix for every
     * product (bitwise), holds the file's blocks, and gathers rather than multiplies whole.
     */
    @ParameterizedTest(name = "hidden={0}")
    @ValueSource(ints = {512, 1024})
    void partsPackedFromTheFileAreTheMatrices(int hidden) {
        Tensor[] file = new Tensor[3];
        for (int p = 0; p < 3; p++) file[p] = RandomTensors.create(GGMLType.Q4_0, NEURONS, hidden, new Random(hidden + p));
        assertTrue(Q4_0NeuronBundles.bundleable(file[0], file[1], file[2]));
        Q4_0NeuronBundles b = Q4_0NeuronBundles.of(file[0], file[1], file[2], pool);
        Random random = new Random(7);
        for (Q4_0NeuronBundles.Part part : Q4_0NeuronBundles.Part.values()) {
            Q4_0PackedTensor matrix = (Q4_0PackedTensor) Tensors.packForCpu(file[part.ordinal()], pool), view = b.part(part);
            String what = part + " part";
            assertTrue(b.holds(view) && view.partOfRows() && !b.holds(matrix), what);
            assertEquals(file[part.ordinal()].name(), view.name());
            assertEquals(1.0, view.gatherLimit(), what + ": gathers at any share");
            assertEquals(-1L, file[part.ordinal()].data().mismatch(view.data()), what + ": the file's blocks");
            for (int k = 0; k < 50; k++) {
                long i = random.nextLong(NEURONS * (long) hidden);
                assertEquals(matrix.get(i), view.get(i), what + ": value " + i);
            }

            ActivationVector[] xs = new ActivationVector[3];
            float[][] expected = new float[3][NEURONS], actual = new float[3][NEURONS];
            for (int t = 0; t < xs.length; t++) xs[t] = RandomTensors.activations(hidden, random).prepareFor(matrix);
            matrix.matvec(xs[0], expected[0], 3, 31);
            view.matvec(xs[0], actual[0], 3, 31);
            assertBitwise(expected[0], actual[0], what + ": matvec");
            matrix.matmul(xs, expected, 0, NEURONS);
            view.matmul(xs, actual, 0, NEURONS);
            for (int t = 0; t < xs.length; t++) assertBitwise(expected[t], actual[t], what + ": matmul token " + t);
            int[] rows = {36, 0, 5, 17, 18, 2, 33, 9, 30, 11, 4};
            matrix.dotRows(rows, 1, rows.length, xs[1], expected[1]);
            view.dotRows(rows, 1, rows.length, xs[1], actual[1]);
            assertBitwise(expected[1], actual[1], what + ": dotRows");
            assertEquals(Float.floatToRawIntBits(matrix.dot(20, xs[2])), Float.floatToRawIntBits(view.dot(20, xs[2])), what + ": dot");

            float[] coeffs = new float[rows.length];
            for (int k = 0; k < coeffs.length; k++) coeffs[k] = (float) random.nextGaussian();
            for (int[] range : new int[][] {{0, hidden}, {32, hidden - 96}, {5, 77}}) {
                float[] y = new float[hidden], z = new float[hidden];
                matrix.axpyRows(rows, coeffs, rows.length, y, range[0], range[1]);
                view.axpyRows(rows, coeffs, rows.length, z, range[0], range[1]);
                assertBitwise(y, z, what + ": axpyRows " + Arrays.toString(range));
            }
            float[][] tokenCoeffs = new float[2][NEURONS], y = new float[2][hidden], z = new float[2][hidden];
            for (int i : rows) tokenCoeffs[random.nextInt(2)][i] = (float) random.nextGaussian();
            matrix.accumulateRows(rows, rows.length, tokenCoeffs, 2, y, 0, hidden);
            view.accumulateRows(rows, rows.length, tokenCoeffs, 2, z, 0, hidden);
            for (int t = 0; t < 2; t++) assertBitwise(y[t], z[t], what + ": accumulateRows token " + t);
            int[] all = new int[NEURONS];
            float[] allCoeffs = new float[NEURONS];
            for (int i = 0; i < NEURONS; i++) {
                all[i] = i;
                allCoeffs[i] = (float) random.nextGaussian();
            }
            float[] runs = new float[hidden], viewRuns = new float[hidden];
            matrix.forRowRuns(pool).axpyRows(all, allCoeffs, NEURONS, runs, 0, hidden);
            view.forRowRuns(pool).axpyRows(all, allCoeffs, NEURONS, viewRuns, 0, hidden);
            assertBitwise(runs, viewRuns, what + ": row runs");
            assertEquals(Tensors.rowRunsBytes(matrix) + Tensors.packedArrays(matrix)[1], Tensors.rowRunsBytes(view), what + ": row runs copy the scales too");
            Q4_0PackedTensor own = view.withOwnRows(pool);
            assertFalse(own.partOfRows() || b.holds(own), what + ": rows of its own");
            assertTrue(Arrays.equals(matrix.quants(), own.quants()) && Arrays.equals(matrix.scales(), own.scales()), what + ": rows of its own are the matrix");
            assertTrue(matrix.withOwnRows(pool) == matrix, "a matrix has rows of its own already");
        }
    }

    @Test
    void onlyRepackedQ4_0MatricesOfOneShapeBundle() {
        Q4_0PackedTensor gate = packed(512, 1), up = packed(512, 2);
        assertFalse(Q4_0NeuronBundles.bundleable(gate, up, packed(1024, 3)));
        assertFalse(Q4_0NeuronBundles.bundleable(gate, up, RandomTensors.create(GGMLType.F16, NEURONS, 512, new Random(3))));
        assertFalse(Q4_0NeuronBundles.bundleable(gate, up, packed(512, 3).forRowRuns(pool)));
        Tensor fileDown = RandomTensors.create(GGMLType.Q4_0, NEURONS, 512, new Random(3));
        assertFalse(Q4_0NeuronBundles.bundleable(gate, up, fileDown), "the file's and repacked matrices do not mix");
        Q4_0NeuronBundles b = Q4_0NeuronBundles.of(gate, up, packed(512, 3), pool);
        assertFalse(Q4_0NeuronBundles.bundleable(b.part(Q4_0NeuronBundles.Part.GATE), up, packed(512, 3)), "a part of bundles is no matrix to bundle");
    }

    private static void assertBitwise(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + " " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
