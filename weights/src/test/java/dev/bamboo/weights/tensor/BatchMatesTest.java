package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A prompt token's row accumulation over a repacked matrix does not depend on the other tokens of its batch: the
 * union of the batch's active rows differs, the token's own terms do not, and neither may its sums (the repacked kernels
 * quantize its coefficients in blocks of its terms).
 */
class BatchMatesTest {
    enum Packed { Q4_0, Q8_0 }

    @ParameterizedTest
    @EnumSource(Packed.class)
    void aTokensSumsAreTheSameWithOtherBatchMates(Packed type) {
        int rows = 1200, cols = 1024;
        Random random = new Random(17);
        Tensor w;
        try (ComputePool pool = new ComputePool(2)) {
            w = Tensors.packForCpu(RandomTensors.create(GGMLType.valueOf(type.name()), rows, cols, random), pool);
        }
        float[] mine = new float[rows], other = new float[rows], third = new float[rows];
        for (int r = 0; r < rows; r++) {
            if (random.nextInt(100) < 20) mine[r] = (float) random.nextGaussian();
            if (random.nextInt(100) < 40) other[r] = (float) random.nextGaussian();
            if (random.nextInt(100) < 5) third[r] = (float) random.nextGaussian();
        }
        float[] alone = accumulate(w, cols, mine)[0];
        float[] withOther = accumulate(w, cols, mine, other)[0];
        float[] withThird = accumulate(w, cols, third, mine)[1];
        assertArrayEquals(alone, withOther, type + ": with a second token");
        assertArrayEquals(alone, withThird, type + ": second of a batch with another first token");
    }

    /** {@link Tensor#accumulateRows} over the sorted union of the tokens' nonzero rows, as a prompt batch runs it. */
    private static float[][] accumulate(Tensor w, int cols, float[]... coeffs) {
        TreeSet<Integer> union = new TreeSet<>();
        for (float[] c : coeffs) for (int r = 0; r < c.length; r++) if (c[r] != 0f) union.add(r);
        int[] list = union.stream().mapToInt(Integer::intValue).toArray();
        float[][] outs = new float[coeffs.length][cols];
        w.accumulateRows(list, list.length, coeffs, coeffs.length, outs, 0, cols);
        return outs;
    }
}
