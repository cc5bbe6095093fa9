package dev.bamboo.tornado.memory;

import dev.bamboo.tornado.kernels.formats.WeightRows;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * A weight matrix in the form its kernels read: F16, Q8_0 and Q4_0 stay raw bytes exactly in file layout
 * ({@link #bytes}); F32 and BF16 become floats ({@link #floats}) because no device we target does bf16 math and
 * TornadoVM cannot reinterpret bytes as floats in a kernel. Every other format (Q4_1, Q5_0, Q5_1, K-quants, e.g. a
 * Q6_K output matrix) has no kernel and is dequantized to F32 at upload: exact, at 4 bytes per weight.
 *
 * <p>Kernels take both arrays and read the one {@link #kernelFormat()} names ({@link WeightRows}), so one kernel
 * serves every format; the other array is a one-element placeholder. Construct with exactly one of {@code bytes}
 * and {@code floats}; the placeholder is made here.
 *
 * @param format the format its kernels read ({@code F32} for BF16 sources)
 */
public record DeviceMatrix(String name, GGMLType format, int rows, int cols, ByteArray bytes, FloatArray floats) {

    public DeviceMatrix {
        if ((bytes == null) == (floats == null)) {
            throw new IllegalArgumentException("a device matrix holds either bytes or floats");
        }
        if (bytes == null) {
            bytes = new ByteArray(1);
        } else {
            floats = new FloatArray(1);
        }
    }

    /** Host-side copy of {@code tensor} in its kernel form (the device copy is made when a plan first runs). */
    public static DeviceMatrix of(Tensor tensor) {
        // Kernels index with int: the whole matrix must fit in 2^31 bytes (raw formats) or floats (F32 form).
        long units = hasKernels(tensor.type()) ? tensor.rows() * tensor.rowBytes() : tensor.size();
        if (units > Integer.MAX_VALUE) {
            throw new BambooException("tensor " + tensor.name() + " [" + tensor.rows() + " x " + tensor.cols() + "] is too large for one TornadoVM array (2 GiB): split it by rows");
        }
        int rows = (int) tensor.rows();
        return switch (tensor.type()) {
            case F16, Q8_0, Q4_0 -> new DeviceMatrix(tensor.name(), tensor.type(), rows, tensor.cols(), ByteArray.fromSegment(tensor.data()), null);
            // BF16 and the formats without kernels (Q4_1, Q5_x, K-quants) are dequantized to F32 once, at upload.
            default -> new DeviceMatrix(tensor.name(), GGMLType.F32, rows, tensor.cols(), null, dequantized(tensor));
        };
    }

    /** {@code tensor} as floats, row by row. */
    public static FloatArray dequantized(Tensor tensor) {
        int rows = (int) tensor.rows(), cols = tensor.cols();
        FloatArray floats = new FloatArray(rows * cols);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            tensor.dequantizeRow(r, row, 0);
            int base = r * cols;
            for (int j = 0; j < cols; j++) floats.set(base + j, row[j]);
        }
        return floats;
    }

    /** Formats whose kernels read the file layout directly. */
    private static boolean hasKernels(GGMLType type) {
        return type == GGMLType.F16 || type == GGMLType.Q8_0 || type == GGMLType.Q4_0;
    }

    /** The {@link WeightRows} format code its kernels are specialized to. */
    public int kernelFormat() {
        return switch (format) {
            case F32 -> WeightRows.F32;
            case F16 -> WeightRows.F16;
            case Q8_0 -> WeightRows.Q8_0;
            case Q4_0 -> WeightRows.Q4_0;
            default -> throw new BambooException("no TornadoVM kernel reads " + name + " in " + format + ": upload it as F32");
        };
    }

    /** The device array holding the weights: {@code floats} for F32, {@code bytes} for the others. */
    public Object array() {
        return format == GGMLType.F32 ? floats : bytes;
    }

    /** Both arrays the kernels take (weights and placeholder), for {@code transferToDevice}. */
    public Object[] arrays() {
        return new Object[] {bytes, floats};
    }
}
