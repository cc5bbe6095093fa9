package dev.bamboo.weights.torch;

import java.util.Arrays;

/**
 * One tensor of a PyTorch checkpoint as {@code _rebuild_tensor_v2} describes it: a view (shape, strides in elements,
 * offset in elements) into the storage {@code data/<storageKey>} of the archive.
 */
public record TorchTensorInfo(String name, TorchDType dtype, long[] shape, long[] strides, long storageOffset, String storageKey) {

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d; // validated not to overflow when the file was opened
        return n;
    }

    /** Row-major with no gaps: what a zero-copy {@link dev.bamboo.weights.tensor.Tensor} needs. Size-1 dimensions may have any stride. */
    public boolean contiguous() {
        if (elements() == 0) return true;
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
