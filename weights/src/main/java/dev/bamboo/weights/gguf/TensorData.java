package dev.bamboo.weights.gguf;

import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Quantizer;
import dev.bamboo.weights.tensor.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Where a tensor's bytes come from when {@link GGUFWriter} streams them: called once, it must write exactly
 * {@code rows · type.bytesFor(cols)} bytes, and should produce them piece by piece (a row or a chunk at a time) so that
 * a whole model is never held in memory.
 */
@FunctionalInterface
public interface TensorData {

    void writeTo(GGMLType type, long rows, int cols, OutputStream out) throws IOException;

    /** One row of float values, produced on demand. */
    @FunctionalInterface
    interface RowSource {
        /** Fills {@code dst[0 .. cols)} with row {@code row}. */
        void row(long row, float[] dst);
    }

    /** Bytes already in the target format (e.g. a slice of another file), copied in chunks. */
    static TensorData raw(MemorySegment bytes) {
        return (type, rows, cols, out) -> {
            long expected = rows * type.bytesFor(cols);
            if (bytes.byteSize() != expected) {
                throw GGUFErrors.error("tensor data of " + bytes.byteSize() + " bytes where " + type + " [" + rows + " x " + cols + "] needs " + expected);
            }
            byte[] chunk = new byte[(int) Math.min(expected, 1 << 20)];
            for (long pos = 0; pos < expected; ) {
                int n = (int) Math.min(chunk.length, expected - pos);
                MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, pos, chunk, 0, n);
                out.write(chunk, 0, n);
                pos += n;
            }
        };
    }

    /** Float rows, encoded into the tensor's type row by row with {@link Quantizer}. */
    static TensorData rows(RowSource source) {
        return (type, rows, cols, out) -> {
            if (!Quantizer.canQuantize(type)) throw GGUFErrors.error("Bamboo cannot write tensors of type " + type);
            float[] row = new float[cols];
            byte[] encoded = new byte[Math.toIntExact(type.bytesFor(cols))];
            for (long r = 0; r < rows; r++) {
                source.row(r, row);
                Quantizer.quantizeRow(type, row, 0, cols, encoded, 0);
                out.write(encoded);
            }
        };
    }

    /**
     * An existing tensor: its bytes as they are when the type and shape match, otherwise its rows decoded and
     * re-encoded (re-quantizing a quantized tensor adds a second rounding).
     */
    static TensorData of(Tensor tensor) {
        return (type, rows, cols, out) -> {
            if (tensor.type() == type && tensor.rows() == rows && tensor.cols() == cols) {
                raw(tensor.data()).writeTo(type, rows, cols, out);
            } else if (tensor.size() == rows * cols) {
                int srcCols = tensor.cols();
                if (srcCols != cols) throw GGUFErrors.error("tensor " + tensor.name() + " has rows of " + srcCols + " values, the target " + cols);
                rows((r, dst) -> tensor.dequantizeRow(r, dst, 0)).writeTo(type, rows, cols, out);
            } else {
                throw GGUFErrors.error("tensor " + tensor.name() + " has " + tensor.size() + " values, the target shape needs " + rows * cols);
            }
        };
    }
}
