package dev.bamboo.tornado.memory;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * A weight matrix in the form its kernels read: F16, Q8_0 and Q4_0 stay raw bytes exactly in file layout
 * ({@link #bytes}); F32 and BF16 become floats ({@link #floats}) because no device we target does bf16 math and
 * TornadoVM cannot reinterpret bytes as floats in a kernel.
 *
 * <p>Exactly one of {@code bytes} and {@code floats} is non-null.
 *
 * @param format the kernel family that reads it ({@code F32} for BF16 sources)
 */
public record DeviceMatrix(String name, GGMLType format, int rows, int cols, ByteArray bytes, FloatArray floats) {

    public DeviceMatrix {
        if ((bytes == null) == (floats == null)) {
            throw new IllegalArgumentException("a device matrix holds either bytes or floats");
        }
    }

    /** Host-side copy of {@code tensor} in its kernel form (the device copy is made when a plan first runs). */
    public static DeviceMatrix of(Tensor tensor) {
        // Kernels index with int: the whole matrix must fit in 2^31 bytes (raw formats) or floats (F32 form).
        long units = needsFloats(tensor.type()) ? tensor.size() : tensor.rows() * tensor.rowBytes();
        if (units > Integer.MAX_VALUE) {
            throw new BambooException("tensor " + tensor.name() + " [" + tensor.rows() + " x " + tensor.cols() + "] is too large for one TornadoVM array (2 GiB): split it by rows");
        }
        int rows = (int) tensor.rows();
        return switch (tensor.type()) {
            case F16, Q8_0, Q4_0 -> new DeviceMatrix(tensor.name(), tensor.type(), rows, tensor.cols(), ByteArray.fromSegment(tensor.data()), null);
            case F32, BF16 -> {
                FloatArray floats = new FloatArray(rows * tensor.cols());
                for (int i = 0; i < floats.getSize(); i++) floats.set(i, tensor.get(i));
                yield new DeviceMatrix(tensor.name(), GGMLType.F32, rows, tensor.cols(), null, floats);
            }
            default -> throw new BambooException("tensor " + tensor.name() + " has type " + tensor.type() + ", which the TornadoVM kernels do not read; supported: F32, BF16, F16, Q8_0, Q4_0");
        };
    }

    private static boolean needsFloats(GGMLType type) {
        return type == GGMLType.F32 || type == GGMLType.BF16;
    }

    /** The device array holding the weights, whichever form it is. */
    public Object array() {
        return bytes != null ? bytes : floats;
    }
}
