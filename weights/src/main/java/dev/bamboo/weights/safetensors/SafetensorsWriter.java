package dev.bamboo.weights.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bamboo.weights.io.ReplacedFile;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small F32 / F16 / I32 tensors as a safetensors file (logits dumps, trained predictors, test fixtures). */
public final class SafetensorsWriter {
    private record Pending(String name, SafetensorsDType dtype, long[] shape, byte[] bytes) {}

    private final List<Pending> tensors = new ArrayList<>();

    public SafetensorsWriter f32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return add(name, SafetensorsDType.F32, shape, values.length, b.array());
    }

    /** {@code values} rounded to f16 (to nearest even; beyond ±65504 infinite: the caller checks the range). */
    public SafetensorsWriter f16(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putShort(Float.floatToFloat16(v));
        return add(name, SafetensorsDType.F16, shape, values.length, b.array());
    }

    public SafetensorsWriter i32(String name, long[] shape, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return add(name, SafetensorsDType.I32, shape, values.length, b.array());
    }

    private SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, int count, byte[] bytes) {
        long elements = 1;
        for (long d : shape) elements *= d;
        if (elements != count) throw new IllegalArgumentException(name + ": shape does not match " + count + " values");
        tensors.add(new Pending(name, dtype, shape.clone(), bytes));
        return this;
    }

    /** Writes the file; what was at {@code path} stays until the new file is complete ({@link ReplacedFile}). */
    public void write(Path path) {
        ReplacedFile.write(path, this::writeTo);
    }

    /** Writes the whole file to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (Pending p : tensors) {
            ObjectNode e = header.putObject(p.name());
            e.put("dtype", p.dtype().name());
            var shape = e.putArray("shape");
            for (long d : p.shape()) shape.add(d);
            e.putArray("data_offsets").add(offset).add(offset + p.bytes().length);
            offset += p.bytes().length;
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(h);
        for (int i = h.length; i < padded; i++) out.write(' ');
        for (Pending p : tensors) out.write(p.bytes());
    }
}
