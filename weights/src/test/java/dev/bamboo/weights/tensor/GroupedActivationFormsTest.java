package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The packed kernels read the grouped activation quants as shorts for vectors of up to {@link
 * ActivationVector#SHORT_GROUPED} values and as bytes for longer ones. The integer products are exact either way, so
 * both forms must give the same bits, on either side of the limit.
 */
class GroupedActivationFormsTest {
    private static final int ROWS = 7;

    @Test
    void shortVectorsHaveShortsLongOnesBytes() {
        Random random = new Random(1);
        ActivationVector shortOne = RandomTensors.activations(ActivationVector.SHORT_GROUPED, random);
        assertNotNull(shortOne.q8Grouped());
        assertNull(shortOne.q8GroupedBytes());
        ActivationVector longOne = RandomTensors.activations(ActivationVector.SHORT_GROUPED + GroupedOrder.VALUES, random);
        assertNull(longOne.q8Grouped());
        assertNotNull(longOne.q8GroupedBytes());
    }

    /** One packed kernel's rows {@code [0, ROWS)} against grouped quants in one form (the other array null). */
    private interface Kernel {
        void dotRows(short[] shorts, byte[] bytes, float[] xd, float[] out);
    }

    @ParameterizedTest(name = "{0}, cols={1}")
    @CsvSource({"Q4_0,1024", "Q4_0,4608", "Q8_0,1024", "Q8_0,4608"})
    void productsAreTheSameWithEitherForm(GGMLType type, int cols) {
        Random random = new Random(cols + type.ordinal());
        Tensor w;
        try (ComputePool pool = new ComputePool(1)) {
            w = Tensors.packForCpu(RandomTensors.create(type, ROWS, cols, random), pool);
        }
        int groups = cols / GroupedOrder.VALUES;
        Kernel kernel = switch (w) {
            case Q4_0PackedTensor q -> (shorts, bytes, xd, out) ->
                    Q4_0PackedKernels.dotRows(q.quants(), q.scales(), groups, 1, 0, groups, null, 0, ROWS, shorts, bytes, xd, out, 0);
            case Q8_0PackedTensor q -> (shorts, bytes, xd, out) ->
                    Q8_0PackedKernels.dotRows(q.quants(), q.scales(), groups, null, 0, ROWS, shorts, bytes, xd, out, 0);
            default -> throw new AssertionError("not packed: " + w);
        };
        ActivationVector x = RandomTensors.activations(cols, random);
        short[] shorts = new short[cols];
        byte[] bytes = new byte[cols];
        GroupedOrder.toGrouped(x.q8(), shorts, null);
        GroupedOrder.toGrouped(x.q8(), null, bytes);
        float[] fromShorts = new float[ROWS], fromBytes = new float[ROWS], matvec = new float[ROWS];
        kernel.dotRows(shorts, null, x.q8Scales(), fromShorts);
        kernel.dotRows(null, bytes, x.q8Scales(), fromBytes);
        w.matvec(x, matvec, 0, ROWS);
        for (int r = 0; r < ROWS; r++) {
            assertEquals(Float.floatToRawIntBits(fromShorts[r]), Float.floatToRawIntBits(fromBytes[r]), "bytes, row " + r);
            assertEquals(Float.floatToRawIntBits(fromShorts[r]), Float.floatToRawIntBits(matvec[r]), "matvec, row " + r);
        }
    }
}
