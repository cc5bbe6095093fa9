package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kernels of every type Bamboo computes with against plain double-precision sums over the scalar {@link Tensor#get}:
 * float types and K-quants use the float activations; the 32-value block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) use the
 * Q8_0 activations, dequantized (quants times block scale), as llama.cpp does.
 */
class KernelDifferentialTest {
    private static final int ROWS = 11;

    static Stream<Arguments> shapes() {
        List<Arguments> list = new ArrayList<>();
        for (GGMLType t : List.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16)) {
            for (int cols : new int[] {1, 7, 15, 16, 17, 33, 100, 257, 4097}) list.add(Arguments.of(t, cols));
        }
        for (GGMLType t : List.of(GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1)) {
            for (int cols : new int[] {32, 64, 96, 160, 4128}) list.add(Arguments.of(t, cols));
        }
        for (GGMLType t : List.of(GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K)) {
            for (int cols : new int[] {256, 512, 4352}) list.add(Arguments.of(t, cols));
        }
        // every type Bamboo computes with is here
        for (GGMLType t : GGMLType.values()) {
            if (Tensors.supported(t) && list.stream().noneMatch(a -> a.get()[0] == t)) throw new AssertionError(t + " has no kernel test shapes");
        }
        return list.stream();
    }

    /** The 32-value block types, whose dot products run against Q8_0 activations as llama.cpp's do; K-quants take floats. */
    private static boolean quantized(Tensor w) {
        return switch (w.type()) {
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> true;
            default -> false;
        };
    }

    /** Activation j as the reference sees it: the float value, or the dequantized Q8_0 value. */
    private static double activation(Tensor w, ActivationVector x, int j) {
        if (!quantized(w)) return x.values()[j];
        return x.q8()[j] * (double) x.q8Scales()[j / 32];
    }

    /** The reference dot and the sum of |terms| that bounds its rounding error. */
    private static double[] reference(Tensor w, long row, ActivationVector x) {
        double sum = 0, abs = 0;
        for (int j = 0; j < w.cols(); j++) {
            double term = w.get(row * w.cols() + j) * activation(w, x, j);
            sum += term;
            abs += Math.abs(term);
        }
        return new double[] {sum, abs};
    }

    private static void assertClose(double[] expected, float actual, String what) {
        double tolerance = 1e-5 * expected[1] + 1e-30;
        if (Math.abs(expected[0] - actual) > tolerance) {
            fail(what + ": expected " + expected[0] + " got " + actual + " (tolerance " + tolerance + ")");
        }
    }

    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("shapes")
    void dotMatvecAndGatherMatchReference(GGMLType type, int cols) {
        Random random = new Random(cols * 31L + type.ordinal());
        Tensor w = RandomTensors.create(type, ROWS, cols, random);
        ActivationVector x = RandomTensors.activations(cols, random);
        float[] out = new float[ROWS];
        w.matvec(x, out, 0, ROWS);
        for (int r = 0; r < ROWS; r++) {
            double[] ref = reference(w, r, x);
            assertClose(ref, w.dot(r, x), type + " dot row " + r);
            assertEquals(Float.floatToRawIntBits(w.dot(r, x)), Float.floatToRawIntBits(out[r]), "matvec row " + r + " is the dot kernel");
        }
        // a sub-range leaves the other outputs alone
        float[] part = new float[ROWS];
        Arrays.fill(part, -7f);
        w.matvec(x, part, 3, 8);
        for (int r = 0; r < ROWS; r++) assertEquals(r >= 3 && r < 8 ? out[r] : -7f, part[r]);
        // a gather gives each listed row the dot kernel's bits wherever the row falls in the list (F16 reads rows four
        // at a time, so its neighbours and the range bounds change which group it is in) and leaves the others alone
        for (int trial = 0; trial < 10; trial++) {
            List<Integer> shuffled = new ArrayList<>();
            for (int r = 0; r < ROWS; r++) shuffled.add(r);
            java.util.Collections.shuffle(shuffled, random);
            int[] list = shuffled.subList(0, 1 + random.nextInt(ROWS)).stream().mapToInt(Integer::intValue).sorted().toArray();
            int from = random.nextInt(list.length), to = from + random.nextInt(list.length - from + 1);
            assertGatherGivesProductBits(w, list, from, to, x, out, type + " gather");
        }
    }

    /**
     * Gathers go through their lists in blocks of rows, each block touched and then computed ({@link RowTouch}): lists
     * shorter and longer than a block, in any order and with repeats, from any start, give each listed row matvec's bits
     * and leave the others alone, for every type and for Q8_0 and Q4_0 as the CPU engine repacks them.
     */
    @ParameterizedTest(name = "{0} packed={1}")
    @MethodSource("gatherTypes")
    void longGathersGiveTheProductsBits(GGMLType type, boolean packed) {
        int rows = 70, cols = 1024;
        Random random = new Random(70 + type.ordinal());
        Tensor w = RandomTensors.create(type, rows, cols, random);
        if (packed) {
            try (ComputePool pool = new ComputePool(2)) {
                w = Tensors.packForCpu(w, pool);
            }
            assertTrue(Tensors.packed(w), "packed");
        }
        ActivationVector x = RandomTensors.activations(cols, random);
        float[] product = new float[rows];
        w.matvec(x, product, 0, rows);
        for (int length : new int[] {1, RowTouch.BLOCK - 1, RowTouch.BLOCK, RowTouch.BLOCK + 1, 33, 70, 100}) {
            int[] list = new int[length];
            for (int k = 0; k < length; k++) list[k] = random.nextInt(rows);
            int from = random.nextInt(length), to = from + random.nextInt(length - from + 1);
            assertGatherGivesProductBits(w, list, from, to, x, product, type + " " + length + "-entry list");
        }
    }

    static Stream<Arguments> gatherTypes() {
        return Stream.of(Arguments.of(GGMLType.F32, false), Arguments.of(GGMLType.F16, false), Arguments.of(GGMLType.BF16, false),
                Arguments.of(GGMLType.Q8_0, false), Arguments.of(GGMLType.Q8_0, true), Arguments.of(GGMLType.Q4_0, false),
                Arguments.of(GGMLType.Q4_0, true), Arguments.of(GGMLType.Q4_1, false), Arguments.of(GGMLType.Q5_0, false),
                Arguments.of(GGMLType.Q5_1, false), Arguments.of(GGMLType.Q4_K, false), Arguments.of(GGMLType.Q5_K, false),
                Arguments.of(GGMLType.Q6_K, false));
    }

    /**
     * {@code w.dotRows(list, from, to, x, ·)} writes {@code product}'s bits ({@code w}'s matvec) to every row listed in
     * {@code [from, to)} and leaves every other row alone.
     */
    private static void assertGatherGivesProductBits(Tensor w, int[] list, int from, int to, ActivationVector x, float[] product, String what) {
        int rows = product.length;
        float[] gathered = new float[rows];
        Arrays.fill(gathered, -3f);
        w.dotRows(list, from, to, x, gathered);
        boolean[] listed = new boolean[rows];
        for (int k = from; k < to; k++) listed[list[k]] = true;
        for (int r = 0; r < rows; r++) {
            String where = what + ": row " + r + " of " + Arrays.toString(list) + " [" + from + "," + to + ")";
            assertEquals(Float.floatToRawIntBits(listed[r] ? product[r] : -3f), Float.floatToRawIntBits(gathered[r]), where);
        }
    }

    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("shapes")
    void matmulMatchesReference(GGMLType type, int cols) {
        Random random = new Random(cols * 17L + type.ordinal());
        Tensor w = RandomTensors.create(type, ROWS, cols, random);
        for (int tokens : new int[] {1, 3, 4, 5, 9}) {
            ActivationVector[] xs = new ActivationVector[tokens];
            float[][] outs = new float[tokens][ROWS];
            for (int t = 0; t < tokens; t++) xs[t] = RandomTensors.activations(cols, random);
            w.matmul(xs, outs, 1, ROWS);
            for (int t = 0; t < tokens; t++) {
                assertEquals(0f, outs[t][0], "row 0 is outside the range");
                float[] single = new float[ROWS];
                w.matvec(xs[t], single, 1, ROWS);
                for (int r = 1; r < ROWS; r++) {
                    assertClose(reference(w, r, xs[t]), outs[t][r], type + " matmul token " + t + " of " + tokens + " row " + r);
                    // the four-token kernels (Q8_0, Q4_0, F16) keep the single-token arithmetic exactly
                    assertEquals(Float.floatToRawIntBits(single[r]), Float.floatToRawIntBits(outs[t][r]), "matmul == matvec, token " + t + " row " + r);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("shapes")
    void axpyRowMatchesReference(GGMLType type, int cols) {
        Random random = new Random(cols * 13L + type.ordinal());
        Tensor w = RandomTensors.create(type, ROWS, cols, random);
        for (int trial = 0; trial < 12; trial++) {
            int row = random.nextInt(ROWS);
            int from = trial == 0 ? 0 : random.nextInt(cols);
            int to = trial == 0 ? cols : from + random.nextInt(cols - from + 1);
            float a = (float) random.nextGaussian();
            float[] y = new float[cols];
            for (int j = 0; j < cols; j++) y[j] = (float) random.nextGaussian();
            float[] before = y.clone();
            w.axpyRow(row, a, y, from, to);
            for (int j = 0; j < cols; j++) {
                if (j < from || j >= to) {
                    assertEquals(before[j], y[j], "outside [from, to) at " + j);
                    continue;
                }
                double wj = w.get((long) row * cols + j);
                double expected = before[j] + a * wj;
                double tolerance = 1e-6 * (Math.abs(before[j]) + Math.abs(a * wj)) + 1e-30;
                assertTrue(Math.abs(expected - y[j]) <= tolerance, type + " axpy [" + from + "," + to + ") at " + j + ": " + expected + " vs " + y[j]);
            }
        }
    }

    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("shapes")
    void axpyRowsIsBitwiseRowByRowAxpy(GGMLType type, int cols) {
        Random random = new Random(cols * 7L + type.ordinal());
        Tensor w = RandomTensors.create(type, ROWS, cols, random);
        for (int trial = 0; trial < 8; trial++) {
            int count = random.nextInt(3 * ROWS);
            int[] rows = new int[count];
            float[] coeffs = new float[count];
            for (int k = 0; k < count; k++) {
                rows[k] = random.nextInt(ROWS);
                // over many magnitudes; on odd trials some of 2^16 and more (F16 then takes its unscaled kernel)
                coeffs[k] = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(trial % 2 == 0 ? 24 : 40) - 20));
            }
            int from = trial == 0 ? 0 : random.nextInt(cols);
            int to = trial == 0 ? cols : from + random.nextInt(cols - from + 1);
            float[] expected = new float[cols];
            for (int j = 0; j < cols; j++) expected[j] = (float) random.nextGaussian();
            float[] actual = expected.clone();
            for (int k = 0; k < count; k++) w.axpyRow(rows[k], coeffs[k], expected, from, to);
            w.axpyRows(rows, coeffs, count, actual, from, to);
            for (int j = 0; j < cols; j++) {
                assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(actual[j]),
                        type + " " + count + " rows over [" + from + "," + to + ") at " + j);
            }
        }
    }

    @Test
    void everyFiniteHalfWidensExactly() {
        MemorySegment all = Arena.ofAuto().allocate(2 * 65536);
        for (int h = 0; h < 65536; h++) all.set(RandomTensors.SHORT, 2L * h, (short) h);
        float[] lanes = new float[Simd.L];
        int finite = 0;
        for (int j = 0; j < 65536; j += Simd.L) {
            jdk.incubator.vector.ShortVector halves = jdk.incubator.vector.ShortVector.fromMemorySegment(Simd.S, all, 2L * j, Simd.LE);
            boolean special = false;
            for (int i = 0; i < Simd.L; i++) special |= !Float.isFinite(Float.float16ToFloat((short) (j + i)));
            if (special) continue; // the kernels are never given these (F16Tensor#vectors)
            F16Kernels.widenFinite(halves).intoArray(lanes, 0);
            for (int i = 0; i < Simd.L; i++) {
                assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) (j + i))), Float.floatToRawIntBits(lanes[i]),
                        "half 0x" + Integer.toHexString(j + i));
                finite++;
            }
        }
        assertEquals(2 * 31 * 1024, finite, "every finite half: 31 exponents of 1024 mantissas, both signs");
        // through the public paths, vector kernels: a row of every finite half, y = 0 + 1 · w, and its dot with a one-hot x
        MemorySegment finiteRow = Arena.ofAuto().allocate(2L * finite);
        int n = 0;
        for (int h = 0; h < 65536; h++) if (Float.isFinite(Float.float16ToFloat((short) h))) finiteRow.set(RandomTensors.SHORT, 2L * n++, (short) h);
        assertWidensEveryValue(Tensors.of("finite halves", GGMLType.F16, 1, n, finiteRow), true);
        // and a row of every half pattern, infinities and NaNs included, which takes the plain loops (a dot product
        // there is NaN: infinity times zero)
        assertWidensEveryValue(Tensors.of("all halves", GGMLType.F16, 1, 65536, all), false);
    }

    private static void assertWidensEveryValue(Tensor w, boolean dots) {
        int n = w.cols();
        float[] y = new float[n];
        w.axpyRow(0, 1f, y, 0, n);
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            float expected = w.get(j);
            if (Float.isNaN(expected)) assertTrue(Float.isNaN(y[j]), w.name() + " at " + j);
            else assertEquals(expected == 0 ? 0f : expected, y[j] == 0 ? 0f : y[j], w.name() + " at " + j);
            if (dots && j % 997 == 0) {
                x[j] = 1f;
                assertEquals(expected, w.dot(0, ActivationVector.of(x)), w.name() + " · one-hot " + j);
                x[j] = 0f;
            }
        }
    }

    @Test
    void floatArrayAxpyIsOneFusedMultiplyAddPerValue() {
        Random random = new Random(12);
        for (int n : new int[] {0, 1, 3, Simd.L - 1, Simd.L, 2 * Simd.L + 5, 128, 301}) {
            float[] x = new float[n + 7], y = new float[n + 9];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = (float) random.nextGaussian();
            int xOff = random.nextInt(8), yOff = random.nextInt(10);
            float a = (float) random.nextGaussian();
            float[] expected = y.clone();
            for (int i = 0; i < n; i++) expected[yOff + i] = Math.fma(x[xOff + i], a, expected[yOff + i]);
            FloatArrays.axpy(a, x, xOff, y, yOff, n);
            assertArrayEquals(expected, y, "n=" + n + ": every value, and nothing outside the range");
        }
    }

    @Test
    void floatArrayDotMatchesScalarReference() {
        Random random = new Random(11);
        for (int n : new int[] {1, 3, Simd.L - 1, Simd.L, 2 * Simd.L + 5, 128, 301}) {
            float[] a = new float[n + 7], b = new float[n + 9];
            for (int i = 0; i < a.length; i++) a[i] = (float) random.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) random.nextGaussian();
            int aOff = random.nextInt(8), bOff = random.nextInt(10);
            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) a[aOff + i] * b[bOff + i];
                magnitude += Math.abs((double) a[aOff + i] * b[bOff + i]);
            }
            assertEquals(expected, FloatArrays.dot(a, aOff, b, bOff, n), 1e-6 * magnitude + 1e-7, "n=" + n);
        }
    }

    @Test
    void scaledDotsOfSeveralQueriesAreBitwiseScaledDots() {
        Random random = new Random(12);
        for (int n : new int[] {1, 3, Simd.L - 1, Simd.L, 2 * Simd.L + 5, 128}) {
            for (int queries : new int[] {1, 3, 4, 6, 8}) {
                int rows = random.nextInt(7), qOff = random.nextInt(8), kOff = random.nextInt(10), sOff = random.nextInt(3);
                float[] q = new float[qOff + queries * n], keys = new float[kOff + rows * n];
                float[][] scores = new float[queries][sOff + rows + 1];
                for (int i = 0; i < q.length; i++) q[i] = (float) random.nextGaussian();
                for (int i = 0; i < keys.length; i++) keys[i] = (float) random.nextGaussian();
                for (float[] s : scores) s[sOff + rows] = 9f;
                FloatArrays.scaledDots(q, qOff, queries, keys, kOff, rows, n, 0.125f, scores, sOff);
                for (int i = 0; i < queries; i++) {
                    for (int r = 0; r < rows; r++) {
                        assertEquals(FloatArrays.dot(q, qOff + i * n, keys, kOff + r * n, n) * 0.125f, scores[i][sOff + r], "n=" + n + " query " + i + " row " + r);
                    }
                    assertEquals(9f, scores[i][sOff + rows], "written past the rows");
                }
            }
        }
    }

    @Test
    void addWeightedRowsOfSeveralHeadsAreBitwiseOneHeadAtATime() {
        Random random = new Random(14);
        for (int n : new int[] {1, Simd.L - 1, 4 * Simd.L, 4 * Simd.L + 3, 6 * Simd.L, 128}) {
            for (int heads : new int[] {1, 3, 4, 5, 8}) {
                int count = random.nextInt(40), stride = n + random.nextInt(4), rowOff = random.nextInt(9), outOff = random.nextInt(4), wOff = random.nextInt(3);
                float[] rows = new float[rowOff + count * stride + n];
                float[][] weights = new float[heads][wOff + count];
                for (int i = 0; i < rows.length; i++) rows[i] = (float) random.nextGaussian();
                for (float[] w : weights) for (int j = 0; j < w.length; j++) w[j] = random.nextFloat();
                float[] together = new float[outOff + heads * n + 1], alone = new float[together.length];
                for (int i = 0; i < together.length; i++) together[i] = alone[i] = (float) random.nextGaussian();
                FloatArrays.addWeightedRows(together, outOff, heads, n, weights, wOff, count, rows, rowOff, stride);
                for (int h = 0; h < heads; h++) FloatArrays.addWeightedRows(alone, outOff + h * n, n, weights[h], wOff, count, rows, rowOff, stride);
                assertArrayEquals(alone, together, "n=" + n + " heads=" + heads + " count=" + count);
            }
        }
    }

    /** Every lane's e^x is the scalar form's, bitwise, and within 2 ulp of {@link Math#exp}; below the normal range, 0. */
    @Test
    void expOfNonPositiveMatchesMathExp() {
        Random random = new Random(15);
        float[] x = new float[4096 + 3];
        for (int i = 0; i < x.length; i++) x[i] = i < 8 ? new float[] {0f, -0f, -1e-30f, -0.5f, -87.3f, -87.4f, -200f, Float.NEGATIVE_INFINITY}[i] : -100f * random.nextFloat();
        for (int i = 0; i + Simd.L <= x.length; i += Simd.L) {
            float[] lanes = FloatArrays.expOfNonPositive(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, i)).toArray();
            for (int k = 0; k < Simd.L; k++) assertEquals(FloatArrays.expOfNonPositive(x[i + k]), lanes[k], "x=" + x[i + k]);
        }
        for (float v : x) {
            float e = FloatArrays.expOfNonPositive(v);
            double exact = Math.exp(v);
            if (exact < Float.MIN_NORMAL) {
                assertEquals(0f, e, "x=" + v);
            } else {
                assertEquals(exact, e, 2 * Math.ulp((float) exact), "x=" + v);
            }
        }
        assertTrue(Float.isNaN(FloatArrays.expOfNonPositive(Float.NaN)));
    }

    @Test
    void softmaxMatchesDoubleReference() {
        Random random = new Random(16);
        for (int n : new int[] {1, 3, Simd.L, 2 * Simd.L + 5, 301, 4096}) {
            float[] x = new float[n + 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextGaussian() * 8);
            x[n] = 7f;
            x[n + 1] = 7f;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) sum += expected[i] = Math.exp(x[i] - max);
            FloatArrays.softmaxInPlace(x, n);
            for (int i = 0; i < n; i++) assertEquals(expected[i] / sum, x[i], 1e-6 * expected[i] / sum + 1e-12, "n=" + n + " i=" + i);
            assertEquals(7f, x[n], "written past n");
        }
        // scores of large models reach hundreds: exp of them alone would overflow, so softmax subtracts the largest
        float[] large = {1000f, 999f, -5f};
        FloatArrays.softmaxInPlace(large, 3);
        assertEquals(1 / (1 + Math.exp(-1)), large[0], 1e-6);
        assertEquals(Math.exp(-1) / (1 + Math.exp(-1)), large[1], 1e-6);
        assertEquals(0f, large[2], 1e-30);
    }

    @Test
    void addWeightedRowsMatchesScalarReferenceAndSumsInRunsBitwise() {
        Random random = new Random(13);
        for (int n : new int[] {1, Simd.L - 1, Simd.L, 4 * Simd.L, 4 * Simd.L + Simd.L + 3, 128}) {
            for (int count : new int[] {0, 1, 7, 90}) {
                int stride = n + random.nextInt(5), rowOff = random.nextInt(9), outOff = random.nextInt(4), wOff = random.nextInt(3);
                float[] rows = new float[rowOff + count * stride + n], weights = new float[wOff + count], out = new float[outOff + n + 2];
                for (int i = 0; i < rows.length; i++) rows[i] = (float) random.nextGaussian();
                for (int j = 0; j < weights.length; j++) weights[j] = random.nextFloat();
                java.util.Arrays.fill(out, 9f);
                FloatArrays.addWeightedRows(out, outOff, n, weights, wOff, count, rows, rowOff, stride);
                for (int d = 0; d < n; d++) {
                    double expected = 9, magnitude = 9;
                    for (int j = 0; j < count; j++) {
                        double term = (double) weights[wOff + j] * rows[rowOff + j * stride + d];
                        expected += term;
                        magnitude += Math.abs(term);
                    }
                    assertEquals(expected, out[outOff + d], 1e-6 * magnitude + 1e-7, "n=" + n + " count=" + count + " d=" + d);
                }
                assertEquals(9f, out[outOff + n], "written past n");
                if (outOff > 0) assertEquals(9f, out[outOff - 1], "written before outOff");
                // the same sum in two runs of rows, as attention takes it block by block
                float[] inRuns = new float[out.length];
                java.util.Arrays.fill(inRuns, 9f);
                int split = count / 3;
                FloatArrays.addWeightedRows(inRuns, outOff, n, weights, wOff, split, rows, rowOff, stride);
                FloatArrays.addWeightedRows(inRuns, outOff, n, weights, wOff + split, count - split, rows, rowOff + split * stride, stride);
                assertArrayEquals(out, inRuns, "n=" + n + " count=" + count + " in runs of " + split + " and " + (count - split));
            }
        }
    }

    @Test
    void indicesAtLeastAndAboveMatchScalarReference() {
        Random random = new Random(12);
        for (int n : new int[] {0, 1, Simd.L - 1, Simd.L, 2 * Simd.L + 5, 14336 + 3}) {
            for (double density : new double[] {0, 0.15, 0.5, 1}) {
                float[] v = new float[n];
                // values on a coarse grid, so that some equal the threshold exactly
                for (int i = 0; i < n; i++) v[i] = random.nextDouble() < density ? random.nextInt(4) : -1 - random.nextInt(4);
                if (n > 2) v[n / 2] = Float.NaN;
                for (boolean atLeast : new boolean[] {true, false}) {
                    int[] expected = new int[n], out = new int[n];
                    int count = 0;
                    // at least: NaN is not listed; above (not at or below): NaN is
                    for (int i = 0; i < n; i++) if (atLeast ? v[i] >= 1f : !(v[i] <= 1f)) expected[count++] = i;
                    int got = atLeast ? FloatArrays.indicesAtLeast(v, n, 1f, out) : FloatArrays.indicesAbove(v, n, 1f, out);
                    assertEquals(count, got, "n=" + n + " density=" + density + " at least=" + atLeast);
                    assertArrayEquals(java.util.Arrays.copyOf(expected, count), java.util.Arrays.copyOf(out, got));
                }
            }
        }
    }

    /**
     * A tensor holding an infinity or NaN computes with the plain loops: the special value shows in its own row, and
     * every other row gets the plain loop's value, in every primitive.
     */
    @Test
    void f16TensorWithInfinityOrNaN() {
        for (int cols : new int[] {4 * Simd.L + 3, F16Kernels.SHORT_ROW + 2 * Simd.L + 3}) { // dot's chunks, dot2's rows
            float[] x = new float[cols];
            java.util.Arrays.fill(x, 0.5f);
            ActivationVector xs = ActivationVector.of(x);
            MemorySegment largest = Arena.ofAuto().allocate(2L * cols);
            for (int j = 0; j < cols; j++) largest.set(RandomTensors.SHORT, 2L * j, Float.floatToFloat16(j % 2 == 0 ? 65504f : -1.5f));
            float finite = Tensors.of("largest", GGMLType.F16, 1, cols, largest).dot(0, xs);
            assertTrue(Float.isFinite(finite) && finite > 0, "largest finite halves stay finite: " + finite);
            for (int at : new int[] {0, 2 * Simd.L + 1, 4 * Simd.L - 1, cols - 1}) {
                for (short special : new short[] {0x7C00, (short) 0xFC00, 0x7E00, 0x7C01}) {
                    MemorySegment rows = Arena.ofAuto().allocate(2L * cols * 6);
                    for (int j = 0; j < cols * 6; j++) rows.set(RandomTensors.SHORT, 2L * j, Float.floatToFloat16(j % 3 == 0 ? 2f : -0.25f));
                    rows.set(RandomTensors.SHORT, 2L * (3L * cols + at), special);
                    Tensor w = Tensors.of("special", GGMLType.F16, 6, cols, rows);
                    float expected = Float.float16ToFloat(special) * 0.5f;
                    String what = "half 0x" + Integer.toHexString(special & 0xFFFF) + " in row 3 at " + at + " of " + cols;
                    float[] dense = new float[6], gathered = new float[6];
                    w.matvec(xs, dense, 0, 6);
                    w.dotRows(new int[] {0, 1, 2, 3, 4, 5}, 0, 6, xs, gathered);
                    float[][] batch = new float[5][6];
                    w.matmul(new ActivationVector[] {xs, xs, xs, xs, xs}, batch, 0, 6);
                    for (float[] out : new float[][] {dense, gathered, batch[0], batch[4]}) {
                        if (Float.isNaN(expected)) assertTrue(Float.isNaN(out[3]), what);
                        else assertEquals(expected, out[3], what);
                        for (int r : new int[] {0, 1, 2, 4, 5}) {
                            float plain = 0f;
                            for (int j = 0; j < cols; j++) plain += w.get((long) r * cols + j) * x[j];
                            assertEquals(Float.floatToRawIntBits(plain), Float.floatToRawIntBits(out[r]), what + ", row " + r);
                        }
                    }
                    float[] y = new float[cols];
                    w.axpyRows(new int[] {0, 1, 2, 3, 4}, new float[] {1, 1, 1, 1, 1}, 5, y, 0, cols);
                    if (Float.isNaN(expected)) assertTrue(Float.isNaN(y[at]), what + " (axpyRows)");
                    else assertEquals(expected * 2, y[at], what + " (axpyRows)");
                }
            }
        }
    }

    /** The search for infinities and NaNs sees one anywhere in a tensor, split over threads or not. */
    @Test
    void f16SpecialValuesAreFoundAnywhere() {
        int rows = 40, cols = 4096 * 7 + 5;
        for (long at : new long[] {0, 1L << 20, (1L << 20) - 1, (long) rows * cols - 1}) {
            MemorySegment data = Arena.ofAuto().allocate(2L * rows * cols);
            data.set(RandomTensors.SHORT, 2 * at, (short) 0x7C00);
            float[] x = new float[cols];
            x[(int) (at % cols)] = 1f;
            try (var pool = new dev.bamboo.weights.parallel.ComputePool(2)) {
                F16Tensor found = (F16Tensor) Tensors.of("scanned", GGMLType.F16, rows, cols, data);
                found.findSpecialValues(pool);
                assertEquals(Float.POSITIVE_INFINITY, found.dot(at / cols, ActivationVector.of(x)), "scanned, at " + at);
            }
            Tensor lazy = Tensors.of("first use", GGMLType.F16, rows, cols, data);
            assertEquals(Float.POSITIVE_INFINITY, lazy.dot(at / cols, ActivationVector.of(x)), "first use, at " + at);
        }
    }

    /**
     * The F16 dot product runs against activations scaled by 2^112 (the weights then need no rescaling multiply), or by
     * a smaller power of two when an activation is 2^16 or more: either way the exact product, within float rounding,
     * for activations over many magnitudes; NaN activations show.
     */
    @Test
    void f16DotOverScaledActivationsOfEveryMagnitude() {
        Random random = new Random(21);
        for (int cols : new int[] {Simd.L - 1, 2 * Simd.L, 4 * Simd.L + 3, 4096}) {
            Tensor w = RandomTensors.create(GGMLType.F16, 3, cols, random);
            for (float largest : new float[] {0f, 1000f, 65535f, 65536f, 3e7f, 1e30f}) {
                float[] x = new float[cols];
                for (int j = 0; j < cols; j++) x[j] = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(40) - 30));
                if (largest > 0) x[cols / 2] = largest;
                ActivationVector xs = ActivationVector.of(x);
                for (int r = 0; r < 3; r++) {
                    long base = (long) r * cols * 2;
                    double exact = 0, magnitude = 0;
                    for (int j = 0; j < cols; j++) {
                        double term = (double) Float.float16ToFloat(w.data().get(RandomTensors.SHORT, base + 2L * j)) * x[j];
                        exact += term;
                        magnitude += Math.abs(term);
                    }
                    assertEquals(exact, w.dot(r, xs), 1e-6 * magnitude, "cols=" + cols + " largest=" + largest + " row " + r);
                }
                x[0] = Float.NaN;
                xs.invalidate();
                assertTrue(Float.isNaN(w.dot(0, xs)), "a NaN activation shows");
            }
        }
    }

    @Test
    void matvecAndMatmulDoNotDependOnThreadCount() {
        Random random = new Random(5);
        int rows = 203;
        for (GGMLType type : List.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0)) {
            int cols = type.blockSize() == 1 ? 301 : 320;
            Tensor w = RandomTensors.create(type, rows, cols, random);
            ActivationVector x = RandomTensors.activations(cols, random);
            ActivationVector[] xs = {x, RandomTensors.activations(cols, random), RandomTensors.activations(cols, random),
                    RandomTensors.activations(cols, random), RandomTensors.activations(cols, random)};
            float[] first = null;
            float[][] firstBatch = null;
            for (int threads : new int[] {1, 2, 3, 4, 7}) {
                float[] out = new float[rows];
                float[][] outs = new float[xs.length][rows];
                try (ComputePool pool = new ComputePool(threads)) {
                    pool.forRange(rows, 1, (from, to) -> w.matvec(x, out, from, to));
                    pool.forRange(rows, 8, (from, to) -> w.matmul(xs, outs, from, to));
                }
                if (first == null) {
                    first = out;
                    firstBatch = outs;
                } else {
                    assertArrayEquals(first, out, type + " matvec with " + threads + " threads");
                    for (int t = 0; t < xs.length; t++) assertArrayEquals(firstBatch[t], outs[t], type + " matmul with " + threads + " threads");
                }
            }
        }
    }
}
