package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Q4_0 repacked for the CPU against the file layout it came from: the same values, the same bytes back, and every
 * kernel against a double-precision sum over the scalar {@link Tensor#get} (with Q8_0 activations, as llama.cpp).
 */
class Q4_0PackedTensorTest {
    private static final int ROWS = 13;
    private static ComputePool pool;

    @BeforeAll
    static void startPool() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    private static Q4_0PackedTensor pack(Tensor w) {
        assertTrue(Tensors.packsForCpu(w), "packable");
        return assertInstanceOf(Q4_0PackedTensor.class, Tensors.packForCpu(w, pool));
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {512, 1024, 4608})
    void packingKeepsEveryValueAndTheFileBytes(int cols) {
        Tensor w = RandomTensors.create(GGMLType.Q4_0, ROWS, cols, new Random(cols));
        Q4_0PackedTensor p = pack(w);
        assertEquals(Tensors.packedBytes(w), p.quants().length + 2L * p.scales().length);
        assertEquals(GGMLType.Q4_0, p.type());
        for (long i = 0; i < w.size(); i++) {
            assertEquals(Float.floatToRawIntBits(w.get(i)), Float.floatToRawIntBits(p.get(i)), "value " + i);
        }
        assertArrayEquals(w.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), p.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    /** The kernels widen f16 scales with integer shifts, exact only for finite values: other scales are a corrupt file. */
    @Test
    void anInfiniteOrNaNBlockScaleIsACorruptFile() {
        for (short bad : new short[] {0x7C00, (short) 0xFC00, 0x7E00}) {
            Tensor w = RandomTensors.create(GGMLType.Q4_0, 2, Q4_0PackedTensor.GROUP_VALUES, new Random(4));
            w.data().set(RandomTensors.SHORT, 18L * 5, bad);
            var e = assertThrows(dev.bamboo.weights.BambooException.class, () -> Tensors.packForCpu(w, pool));
            assertTrue(e.getMessage().contains("block 5 has an infinite or NaN scale"), e.getMessage());
        }
    }

    @Test
    void rowsThatAreNotWholeGroupsStayInFileLayout() {
        Tensor w = RandomTensors.create(GGMLType.Q4_0, 3, Q4_0PackedTensor.GROUP_VALUES + 32, new Random(1));
        assertFalse(Tensors.packsForCpu(w));
        assertSame(w, Tensors.packForCpu(w, pool));
        Tensor f = RandomTensors.create(GGMLType.F16, 3, 1024, new Random(1));
        assertSame(f, Tensors.packForCpu(f, pool));
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {512, 1024, 4608})
    void productsMatchTheReference(int cols) {
        Random random = new Random(cols * 3L);
        Q4_0PackedTensor w = pack(RandomTensors.create(GGMLType.Q4_0, ROWS, cols, random));
        ActivationVector x = RandomTensors.activations(cols, random);
        float[] out = new float[ROWS];
        w.matvec(x, out, 0, ROWS);
        for (int r = 0; r < ROWS; r++) {
            Q8Reference.assertClose(Q8Reference.dot(w, r, x), out[r], "matvec row " + r);
            assertEquals(Float.floatToRawIntBits(out[r]), Float.floatToRawIntBits(w.dot(r, x)), "dot row " + r + " is matvec's arithmetic");
        }
        // the gather: listed rows only, in any order
        int[] rows = {11, 2, 7, 3, 12};
        float[] gathered = new float[ROWS];
        Arrays.fill(gathered, -5f);
        w.dotRows(rows, 1, 4, x, gathered);
        for (int r = 0; r < ROWS; r++) {
            boolean listed = r == 2 || r == 7 || r == 3;
            assertEquals(listed ? out[r] : -5f, gathered[r], "dotRows row " + r);
        }
        assertBatchIsEachTokensMatvec(w, cols, random);
    }

    /** A batch of one to five tokens, in either row layout: each token gets bitwise its own matvec. */
    private static void assertBatchIsEachTokensMatvec(Q4_0PackedTensor w, int cols, Random random) {
        int rows = Math.toIntExact(w.rows());
        for (int tokens : new int[] {1, 2, 3, 4, 5}) {
            ActivationVector[] xs = new ActivationVector[tokens];
            for (int t = 0; t < tokens; t++) xs[t] = RandomTensors.activations(cols, random);
            float[][] outs = new float[tokens][rows];
            w.matmul(xs, outs, 2, rows);
            for (int t = 0; t < tokens; t++) {
                float[] single = new float[rows];
                w.matvec(xs[t], single, 2, rows);
                assertEquals(0f, outs[t][1], "row 1 is outside the range");
                for (int r = 2; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(single[r]), Float.floatToRawIntBits(outs[t][r]), "matmul token " + t + " of " + tokens + " row " + r);
                }
            }
        }
    }

    /**
     * Row accumulations quantize each term block's factors to 8 bits (see {@code Q4_0PackedKernels.axpyRows}): the
     * vector kernel must give bitwise what its scalar twin gives, and both must be within the quantization bound of the
     * exact sum: per term, at most half a quantization step ({@code max|c| / 254} of its block) times the largest
     * nibble magnitude 8.
     */
    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {512, 1024, 4608})
    void rowAccumulationsMatchTheScalarTwinAndTheExactSum(int cols) {
        Random random = new Random(cols * 5L);
        Tensor file = RandomTensors.create(GGMLType.Q4_0, ROWS, cols, random);
        Q4_0PackedTensor w = pack(file);
        int g = Q4_0PackedTensor.GROUP_VALUES;
        // whole groups (the vector path) and a range that is not (the scalar path)
        int[][] ranges = {{0, cols}, {cols - g, cols}, {32, cols - 64}};
        for (int[] range : ranges) {
            int from = range[0], to = range[1];
            for (int count : new int[] {0, 1, 2, 5, 31, 32, 33, 2 * ROWS + 7}) {
                int[] rows = new int[count];
                float[] coeffs = new float[count];
                for (int k = 0; k < count; k++) {
                    rows[k] = random.nextInt(ROWS);
                    coeffs[k] = k == 1 ? 0f : (float) (random.nextGaussian() * (k % 7 == 3 ? 30 : 1));
                }
                float[] y = new float[cols];
                for (int j = 0; j < cols; j++) y[j] = (float) random.nextGaussian();
                float[] before = y.clone(), twin = y.clone();
                w.axpyRows(rows, coeffs, count, y, from, to);
                Q4_0PackedKernels.axpyRowsScalar(w, rows, coeffs, count, twin, from, to);
                for (int j = 0; j < cols; j++) {
                    assertEquals(Float.floatToRawIntBits(twin[j]), Float.floatToRawIntBits(y[j]), "twin, " + count + " rows [" + from + "," + to + ") at " + j);
                    double expected = before[j], abs = Math.abs(before[j]), bound = 0;
                    if (j >= from && j < to) {
                        int block = j / 32;
                        for (int k0 = 0; k0 < count; k0 += Q4_0PackedKernels.TERM_BLOCK) {
                            int k1 = Math.min(count, k0 + Q4_0PackedKernels.TERM_BLOCK);
                            double max = 0;
                            for (int k = k0; k < k1; k++) {
                                double c = coeffs[k] * (double) w.blockScale((long) rows[k] * (cols / 32) + block);
                                max = Math.max(max, Math.abs(c));
                                double term = coeffs[k] * (double) w.get((long) rows[k] * cols + j);
                                expected += term;
                                abs += Math.abs(term);
                            }
                            bound += (k1 - k0) * 8 * max / 254;
                        }
                    }
                    if (Math.abs(expected - y[j]) > bound * 1.001 + 1e-5 * abs + 1e-30) {
                        fail("axpyRows " + count + " rows [" + from + "," + to + ") at " + j + ": " + expected + " vs " + y[j] + ", bound " + bound);
                    }
                }
            }
        }
    }

    @Test
    void batchAccumulationSkipsZerosAndMatchesEachTokenAlone() {
        int cols = 1024;
        Random random = new Random(9);
        Q4_0PackedTensor w = pack(RandomTensors.create(GGMLType.Q4_0, ROWS, cols, random));
        int tokens = 3;
        int[] union = {0, 3, 4, 8, 9, 12};
        float[][] coeffs = new float[tokens][ROWS];
        for (int t = 0; t < tokens; t++) {
            for (int r : union) coeffs[t][r] = random.nextInt(3) == 0 ? 0f : (float) random.nextGaussian();
        }
        float[][] outs = new float[tokens][cols];
        w.accumulateRows(union, union.length, coeffs, tokens, outs, 0, cols);
        for (int t = 0; t < tokens; t++) {
            int count = 0;
            int[] rows = new int[union.length];
            float[] c = new float[union.length];
            for (int r : union) {
                if (coeffs[t][r] != 0f) {
                    rows[count] = r;
                    c[count++] = coeffs[t][r];
                }
            }
            float[] alone = new float[cols];
            w.axpyRows(rows, c, count, alone, 0, cols);
            for (int j = 0; j < cols; j++) {
                assertEquals(Float.floatToRawIntBits(alone[j]), Float.floatToRawIntBits(outs[t][j]), "token " + t + " at " + j);
            }
        }
    }

    /**
     * The row-run layout ({@link Q4_0PackedTensor#forRowRuns}) holds the same values and gives bitwise the results of
     * the row-contiguous one, for every kernel: 70 rows make two whole blocks of 32 and a padded partial one.
     */
    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {512, 1024})
    void rowRunLayoutGivesTheSameValuesAndResults(int cols) {
        int rows = 70;
        Random random = new Random(cols * 7L);
        Q4_0PackedTensor w = pack(RandomTensors.create(GGMLType.Q4_0, rows, cols, random));
        Q4_0PackedTensor runs = assertInstanceOf(Q4_0PackedTensor.class, Tensors.forRowRuns(w, pool));
        assertEquals(Q4_0PackedTensor.ROW_BLOCK, runs.blockRows());
        assertEquals(Tensors.rowRunsBytes(w), runs.quants().length);
        for (long i = 0; i < w.size(); i++) assertEquals(Float.floatToRawIntBits(w.get(i)), Float.floatToRawIntBits(runs.get(i)), "value " + i);
        assertArrayEquals(w.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), runs.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));

        ActivationVector x = RandomTensors.activations(cols, random);
        float[] a = new float[rows], b = new float[rows];
        w.matvec(x, a, 0, rows);
        runs.matvec(x, b, 0, rows);
        assertArrayEquals(a, b, "matvec");
        assertBatchIsEachTokensMatvec(runs, cols, random);
        int[] list = {69, 3, 40, 31, 32};
        w.dotRows(list, 0, list.length, x, a);
        runs.dotRows(list, 0, list.length, x, b);
        assertArrayEquals(a, b, "dotRows");

        int[] all = new int[rows];
        float[] coeffs = new float[rows];
        for (int r = 0; r < rows; r++) {
            all[r] = r;
            coeffs[r] = (float) random.nextGaussian();
        }
        int g = Q4_0PackedTensor.GROUP_VALUES;
        for (int[] range : new int[][] {{0, cols}, {cols - g, cols}, {32, cols - 64}}) {
            for (int[] terms : new int[][] {all, list}) {
                float[] y = new float[cols], z = new float[cols];
                w.axpyRows(terms, coeffs, terms.length, y, range[0], range[1]);
                runs.axpyRows(terms, coeffs, terms.length, z, range[0], range[1]);
                assertArrayEquals(y, z, terms.length + " rows over [" + range[0] + "," + range[1] + ")");
            }
        }
        float[][] tokens = {coeffs, coeffs.clone()};
        tokens[1][5] = 0f;
        float[][] outW = new float[2][cols], outRuns = new float[2][cols];
        w.accumulateRows(all, rows, tokens, 2, outW, 0, cols);
        runs.accumulateRows(all, rows, tokens, 2, outRuns, 0, cols);
        for (int t = 0; t < 2; t++) assertArrayEquals(outW[t], outRuns[t], "accumulateRows token " + t);
        assertSame(runs, Tensors.forRowRuns(runs, pool), "already laid out");
    }
}
