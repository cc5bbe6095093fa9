package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An F16 matrix stored by columns ({@link F16ColumnsTensor}) against the row-major matrix it was made from: the same
 * values, products within float rounding of a plain double-precision sum, and one fused multiply-add chain per output
 * whatever the row ranges, the batch or the primitive ({@code dot}, {@code matvec}, {@code matmul}).
 */
class F16ColumnsTensorTest {

    @ParameterizedTest
    @CsvSource({"1, 1", "5, 3", "37, 131", "513, 96", "64, 4099"})
    void productsMatchTheRowMajorMatrix(int rows, int cols) {
        Random r = new Random(rows * 31L + cols);
        try (Arena arena = Arena.ofShared(); ComputePool pool = new ComputePool(2, 0)) {
            MemorySegment halves = arena.allocate(2L * rows * cols);
            for (long i = 0; i < (long) rows * cols; i++) halves.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) r.nextGaussian()));
            Tensor w = Tensors.of("w", GGMLType.F16, rows, cols, halves);
            Tensor c = F16ColumnsTensor.of((F16Tensor) w, pool, arena.allocate(2L * rows * cols));
            assertEquals(rows, c.rows());
            assertEquals(cols, c.cols());
            for (long i = 0; i < (long) rows * cols; i++) assertEquals(Float.floatToRawIntBits(w.get(i)), Float.floatToRawIntBits(c.get(i)), "value " + i);

            ActivationVector[] xs = new ActivationVector[3];
            for (int t = 0; t < xs.length; t++) {
                float[] x = new float[cols];
                for (int j = 0; j < cols; j++) x[j] = (float) r.nextGaussian();
                xs[t] = ActivationVector.of(x);
            }
            float[] whole = new float[rows];
            c.matvec(xs[0], whole, 0, rows);
            for (int row = 0; row < rows; row++) {
                double plain = 0, scale = 0;
                for (int j = 0; j < cols; j++) {
                    plain += (double) w.get((long) row * cols + j) * xs[0].values()[j];
                    scale += Math.abs((double) w.get((long) row * cols + j) * xs[0].values()[j]);
                }
                assertTrue(Math.abs(whole[row] - plain) <= 1e-6 * scale + 1e-30, "row " + row + ": " + whole[row] + " vs " + plain);
                assertEquals(Float.floatToRawIntBits(whole[row]), Float.floatToRawIntBits(c.dot(row, xs[0])), "dot of row " + row);
            }
            // rows split at an odd place, as threads and batches split them: the same bits
            float[] split = new float[rows];
            int cut = rows / 3;
            c.matvec(xs[0], split, cut, rows);
            c.matvec(xs[0], split, 0, cut);
            assertArrayEquals(whole, split, 0f);
            float[][] batch = new float[xs.length][rows];
            c.matmul(xs, batch, 0, rows);
            for (int t = 0; t < xs.length; t++) {
                float[] alone = new float[rows];
                c.matvec(xs[t], alone, 0, rows);
                assertArrayEquals(alone, batch[t], 0f, "token " + t + " of a batch");
            }
        }
    }

    /** Only where the layout multiplies faster: a query-sized matrix is stored by columns, a key-sized one is copied as it is. */
    @Test
    void columnsAreMadeWhereTheyMultiplyFaster(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("halves.bin");
        Files.write(file, new byte[2 * 4096 * 2304]);
        try (Arena arena = Arena.ofShared(); ComputePool pool = new ComputePool(2);
             FileChannel ch = FileChannel.open(file)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Tensor big = Tensors.of("q", GGMLType.F16, 4096, 2304, mapped);
            Tensor narrow = Tensors.of("k", GGMLType.F16, 2048, 4608, mapped);
            assertTrue(Tensors.columns(big, pool, arena) instanceof F16ColumnsTensor, "4096 rows of 2304 values");
            Tensor copy = Tensors.columns(narrow, pool, arena);
            assertTrue(copy instanceof F16Tensor && !Tensors.mapped(copy), "2048 rows: copied as they are");
        }
    }
}
