package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Q8_0 repacked for the CPU against the file layout it came from: the same values, the same bytes back, products
 * against a double-precision sum over the scalar {@link Tensor#get} (with Q8_0 activations, as llama.cpp), and row
 * accumulations bitwise those of the file layout's kernel.
 */
class Q8_0PackedTensorTest {
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

    private static Q8_0PackedTensor pack(Tensor w) {
        assertTrue(Tensors.packsForCpu(w), "packable");
        return assertInstanceOf(Q8_0PackedTensor.class, Tensors.packForCpu(w, pool));
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {512, 1024, 4608})
    void packingKeepsEveryValueAndTheFileBytes(int cols) {
        Tensor w = RandomTensors.create(GGMLType.Q8_0, ROWS, cols, new Random(cols));
        Q8_0PackedTensor p = pack(w);
        assertEquals(GGMLType.Q8_0, p.type());
        assertEquals(Tensors.packedBytes(w), p.quants().length + 4L * p.scales().length);
        for (long i = 0; i < w.size(); i++) {
            assertEquals(Float.floatToRawIntBits(w.get(i)), Float.floatToRawIntBits(p.get(i)), "value " + i);
        }
        assertArrayEquals(w.data().toArray(ValueLayout.JAVA_BYTE), p.data().toArray(ValueLayout.JAVA_BYTE));
        assertFalse(Tensors.mapped(p));
    }

    @Test
    void rowsThatAreNotWholeGroupsStayInFileLayout() {
        Tensor w = RandomTensors.create(GGMLType.Q8_0, 3, Q8_0PackedKernels.GROUP_VALUES + 32, new Random(2));
        assertFalse(Tensors.packsForCpu(w));
        assertSame(w, Tensors.packForCpu(w, pool));
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {512, 1024, 4608})
    void productsMatchTheReferenceAndEachOther(int cols) {
        Random random = new Random(cols * 3L);
        Tensor file = RandomTensors.create(GGMLType.Q8_0, ROWS, cols, random);
        // extreme quants: -128 and 127 everywhere in row 0, so the 16-bit pair sums run at their largest
        for (int b = 0; b < cols / 32; b++) {
            for (int i = 0; i < 32; i++) file.data().set(ValueLayout.JAVA_BYTE, b * 34L + 2 + i, (byte) (i % 2 == 0 ? -128 : 127));
        }
        Q8_0PackedTensor w = pack(file);
        float[] big = new float[cols];
        for (int j = 0; j < cols; j++) big[j] = j % 2 == 0 ? -3f : 3f;
        for (ActivationVector x : new ActivationVector[] {RandomTensors.activations(cols, random), ActivationVector.of(big)}) {
            float[] out = new float[ROWS];
            w.matvec(x, out, 0, ROWS);
            for (int r = 0; r < ROWS; r++) {
                Q8Reference.assertClose(Q8Reference.dot(w, r, x), out[r], "matvec row " + r);
                assertEquals(Float.floatToRawIntBits(out[r]), Float.floatToRawIntBits(w.dot(r, x)), "dot row " + r + " is matvec's arithmetic");
            }
            int[] rows = {11, 2, 7, 3, 12};
            float[] gathered = new float[ROWS];
            Arrays.fill(gathered, -5f);
            w.dotRows(rows, 1, 4, x, gathered);
            for (int r = 0; r < ROWS; r++) {
                boolean listed = r == 2 || r == 7 || r == 3;
                assertEquals(Float.floatToRawIntBits(listed ? out[r] : -5f), Float.floatToRawIntBits(gathered[r]), "dotRows row " + r);
            }
        }
        ActivationVector[] xs = {RandomTensors.activations(cols, random), RandomTensors.activations(cols, random), RandomTensors.activations(cols, random)};
        float[][] outs = new float[xs.length][ROWS];
        w.matmul(xs, outs, 2, ROWS);
        for (int t = 0; t < xs.length; t++) {
            float[] single = new float[ROWS];
            w.matvec(xs[t], single, 2, ROWS);
            assertEquals(0f, outs[t][1], "row 1 is outside the range");
            for (int r = 2; r < ROWS; r++) assertEquals(Float.floatToRawIntBits(single[r]), Float.floatToRawIntBits(outs[t][r]), "matmul token " + t + " row " + r);
        }
    }

    /**
     * Over whole groups a row accumulation is, value by value, the file layout's vector operation, so the sums are
     * bitwise the file layout's; over other ranges every value is the same fused multiply-add, so they are bitwise those
     * of the whole range.
     */
    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {512, 1024, 4608})
    void rowAccumulationsAreTheFileLayoutsBitwise(int cols) {
        Random random = new Random(cols * 5L);
        Tensor file = RandomTensors.create(GGMLType.Q8_0, ROWS, cols, random);
        Q8_0PackedTensor w = pack(file);
        int g = Q8_0PackedKernels.GROUP_VALUES;
        for (int count : new int[] {0, 1, 2, 5, 33, 2 * ROWS + 7}) {
            int[] rows = new int[count];
            float[] coeffs = new float[count];
            for (int k = 0; k < count; k++) {
                rows[k] = random.nextInt(ROWS);
                coeffs[k] = k == 1 ? 0f : (float) random.nextGaussian();
            }
            float[] y = new float[cols];
            for (int j = 0; j < cols; j++) y[j] = (float) random.nextGaussian();
            for (int[] range : new int[][] {{0, cols}, {cols - g, cols}}) {
                float[] packed = y.clone(), fromFile = y.clone();
                w.axpyRows(rows, coeffs, count, packed, range[0], range[1]);
                file.axpyRows(rows, coeffs, count, fromFile, range[0], range[1]);
                assertArrayEquals(fromFile, packed, count + " rows over [" + range[0] + "," + range[1] + ")");
            }
            float[] whole = y.clone();
            w.axpyRows(rows, coeffs, count, whole, 0, cols);
            for (int[] range : new int[][] {{32, cols - 64}, {5, 77}, {cols - 1, cols}}) {
                float[] part = y.clone();
                w.axpyRows(rows, coeffs, count, part, range[0], range[1]);
                for (int j = 0; j < cols; j++) {
                    boolean inside = j >= range[0] && j < range[1];
                    assertEquals(Float.floatToRawIntBits(inside ? whole[j] : y[j]), Float.floatToRawIntBits(part[j]),
                            count + " rows over [" + range[0] + "," + range[1] + ") at " + j);
                }
            }
        }
        float[] one = new float[cols], many = new float[cols];
        w.axpyRow(4, 0.75f, one, 0, cols);
        w.axpyRows(new int[] {4}, new float[] {0.75f}, 1, many, 0, cols);
        assertArrayEquals(many, one, "axpyRow is a one-row axpyRows");
    }

    @Test
    void batchAccumulationSkipsZerosAndMatchesEachTokenAlone() {
        int cols = 1024;
        Random random = new Random(9);
        Q8_0PackedTensor w = pack(RandomTensors.create(GGMLType.Q8_0, 100, cols, random));
        int tokens = 3;
        int[] union = new int[70];
        for (int k = 0; k < union.length; k++) union[k] = k + k / 3;
        float[][] coeffs = new float[tokens][100];
        for (int t = 0; t < tokens; t++) {
            for (int r : union) coeffs[t][r] = random.nextInt(3) == 0 ? 0f : (float) random.nextGaussian();
        }
        float[][] outs = new float[tokens][cols];
        for (float[] out : outs) for (int j = 0; j < cols; j++) out[j] = (float) random.nextGaussian();
        float[][] before = new float[tokens][];
        for (int t = 0; t < tokens; t++) before[t] = outs[t].clone();
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
            float[] alone = before[t];
            w.axpyRows(rows, c, count, alone, 0, cols);
            assertArrayEquals(alone, outs[t], "token " + t);
        }
    }
}
