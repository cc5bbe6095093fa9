package dev.bamboo.weights.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Tensors#transposed}: every float type, values moved bit for bit; block-quantized types refused. */
class TransposedTest {

    @Test
    void floatTensorsTransposeExactly() {
        Random random = new Random(4);
        for (GGMLType type : List.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16)) {
            int rows = 37, cols = 53;
            Tensor t = RandomTensors.create(type, rows, cols, random);
            Tensor tt = Tensors.transposed(t, Arena.ofAuto());
            assertEquals(type, tt.type());
            assertEquals(cols, tt.rows());
            assertEquals(rows, tt.cols());
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    assertEquals(Float.floatToRawIntBits(t.get((long) r * cols + c)), Float.floatToRawIntBits(tt.get((long) c * rows + r)),
                            type + " at " + r + "," + c);
                }
            }
        }
    }

    @Test
    void blockQuantizedTensorsAreNotTransposed() {
        Tensor q = RandomTensors.create(GGMLType.Q4_0, 4, 64, new Random(5));
        assertThrows(IllegalArgumentException.class, () -> Tensors.transposed(q, Arena.ofAuto()));
    }
}
