package dev.bamboo.runtime.forward;

import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RowAccumulatorTest {
    private static final int ROWS = 301, COLS = 67;

    @Test
    void sumsListedRowsLikeAPlainLoopForAnyThreadCount() {
        Random random = new Random(3);
        MemorySegment data = Arena.ofAuto().allocate((long) ROWS * COLS * Float.BYTES);
        for (long i = 0; i < (long) ROWS * COLS; i++) data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) random.nextGaussian());
        Tensor w = Tensors.of("down_t", GGMLType.F32, ROWS, COLS, data);
        for (int count : new int[] {0, 1, 7, 8, 9, 150, ROWS}) {
            int[] rows = new int[count];
            float[] coeffs = new float[count];
            for (int k = 0; k < count; k++) {
                rows[k] = count == ROWS ? k : random.nextInt(ROWS);
                coeffs[k] = (float) random.nextGaussian();
            }
            double[] expected = new double[COLS];
            for (int k = 0; k < count; k++) {
                for (int j = 0; j < COLS; j++) expected[j] += (double) coeffs[k] * w.get((long) rows[k] * COLS + j);
            }
            float[] first = null;
            for (int threads = 1; threads <= 3; threads++) {
                float[] out = new float[COLS];
                java.util.Arrays.fill(out, Float.NaN); // overwritten, not added to
                try (ComputePool pool = new ComputePool(threads, 0)) { // split however small the product
                    new RowAccumulator(ROWS, COLS).accumulate(pool, w, rows, coeffs, count, out);
                }
                for (int j = 0; j < COLS; j++) assertEquals(expected[j], out[j], 1e-4 * (1 + Math.abs(expected[j])), count + " rows, column " + j);
                if (first == null) first = out;
                else assertArrayEquals(first, out, count + " rows: -t " + threads + " differs from -t 1");
            }
        }
    }
}
