package dev.bamboo.weights.gguf;

import dev.bamboo.weights.io.ReplacedFile;
import dev.bamboo.weights.tensor.GGMLType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF (or PowerInfer {@code PWRI}) file: header, metadata, tensor infos, then each tensor's data at its
 * aligned offset. Tensors are described first (name, type, ggml dimensions, a {@link TensorData} source) and
 * streamed by {@link #write(Path)} one after another, so memory use stays at about one row whatever the model's size.
 */
public final class GGUFWriter {
    private final String magic;
    private final int version;
    private final Map<String, GGUFValue> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private int alignment = GGUFFile.DEFAULT_ALIGNMENT;

    private record Entry(String name, GGMLType type, long[] ne, TensorData data) {
        long rows() {
            return GGUFTensorInfo.rows(ne);
        }

        long byteSize() {
            return GGUFTensorInfo.byteSize(type, ne);
        }
    }

    /** @param magic {@code "GGUF"} or {@code "PWRI"}; @param version 2 or 3 */
    public GGUFWriter(String magic, int version) {
        if (!magic.equals(GGUFFile.MAGIC_GGUF) && !magic.equals(GGUFFile.MAGIC_POWERINFER)) {
            throw GGUFErrors.error("GGUF magic must be GGUF or PWRI, not " + magic);
        }
        if (version != 2 && version != 3) throw GGUFErrors.error("GGUF version must be 2 or 3, not " + version);
        this.magic = magic;
        this.version = version;
    }

    /** A GGUF v3 writer with magic {@code GGUF}. */
    public static GGUFWriter gguf() {
        return new GGUFWriter(GGUFFile.MAGIC_GGUF, 3);
    }

    /** A GGUF v3 writer with PowerInfer's magic {@code PWRI}. */
    public static GGUFWriter powerInfer() {
        return new GGUFWriter(GGUFFile.MAGIC_POWERINFER, 3);
    }

    /** Data alignment (a power of two); a non-default value is recorded as {@code general.alignment}. */
    public GGUFWriter alignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw GGUFErrors.error("GGUF alignment must be a power of two, not " + alignment);
        this.alignment = alignment;
        return this;
    }

    /** Adds or replaces a metadata entry (entries are written in the order first added). */
    public GGUFWriter put(String key, GGUFValue value) {
        if (key.equals(GGUFFile.ALIGNMENT_KEY)) {
            if (!value.type().isInteger()) throw GGUFErrors.error(GGUFFile.ALIGNMENT_KEY + " must be an integer");
            alignment(Math.toIntExact(((Number) value.value()).longValue()));
        }
        metadata.put(key, value);
        return this;
    }

    /** Copies every metadata entry of {@code source}. */
    public GGUFWriter putAll(GGUFMetadata source) {
        source.asMap().forEach(this::put);
        return this;
    }

    /** Adds a tensor with ggml dimensions {@code ne} ({@code ne[0]} = length of a row), written from {@code data}. */
    public GGUFWriter tensor(String name, GGMLType type, long[] ne, TensorData data) {
        if (!names.add(name)) throw GGUFErrors.error("tensor " + name + " added twice");
        if (ne.length < 1 || ne.length > GGUFHeaderParser.MAX_DIMS) throw GGUFErrors.error("tensor " + name + " has " + ne.length + " dimensions (1 to 4 allowed)");
        for (long d : ne) if (d <= 0) throw GGUFErrors.error("tensor " + name + " has a non-positive dimension " + Arrays.toString(ne));
        if (ne[0] % type.blockSize() != 0 || ne[0] > Integer.MAX_VALUE) {
            throw GGUFErrors.error("tensor " + name + ": rows of " + ne[0] + " values cannot be stored as " + type + " (block size " + type.blockSize() + ")");
        }
        tensors.add(new Entry(name, type, ne.clone(), data));
        return this;
    }

    /** Writes the file; what was at {@code path} stays until the new file is complete ({@link ReplacedFile}). */
    public void write(Path path) {
        ReplacedFile.write(path, this::writeTo);
    }

    /** Writes the whole file to {@code out}. */
    public void writeTo(OutputStream target) throws IOException {
        CountingOutput out = new CountingOutput(target);
        Map<String, GGUFValue> kv = new LinkedHashMap<>(metadata);
        if (alignment != GGUFFile.DEFAULT_ALIGNMENT && !kv.containsKey(GGUFFile.ALIGNMENT_KEY)) {
            kv.put(GGUFFile.ALIGNMENT_KEY, GGUFValue.ofUInt32(alignment));
        }
        out.write(magic.getBytes(StandardCharsets.ISO_8859_1));
        out.u32(version);
        out.u64(tensors.size());
        out.u64(kv.size());
        for (var e : kv.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().id());
            writeValue(out, e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Entry t = tensors.get(i);
            offsets[i] = offset;
            out.string(t.name());
            out.u32(t.ne().length);
            for (long d : t.ne()) out.u64(d);
            out.u32(t.type().id());
            out.u64(offset);
            offset = align(offset + t.byteSize());
        }
        out.pad(align(out.count()) - out.count());
        long dataStart = out.count();
        for (int i = 0; i < tensors.size(); i++) {
            Entry t = tensors.get(i);
            out.pad(dataStart + offsets[i] - out.count());
            long before = out.count();
            t.data().writeTo(t.type(), t.rows(), (int) t.ne()[0], out);
            long written = out.count() - before;
            if (written != t.byteSize()) {
                throw GGUFErrors.error("tensor " + t.name() + ": its data source wrote " + written + " bytes where " + t.type() + " " + Arrays.toString(t.ne()) + " needs " + t.byteSize());
            }
        }
        if (!tensors.isEmpty()) out.pad(align(out.count() - dataStart) - (out.count() - dataStart));
        out.flush();
    }

    private long align(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static void writeValue(CountingOutput out, GGUFValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.write(((Integer) v) & 0xFF);
            case UINT16, INT16 -> out.u16((Integer) v);
            case UINT32 -> out.u32((Long) v);
            case INT32 -> out.u32((Integer) v);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) v));
            case BOOL -> out.write((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> {
                GGUFArray a = (GGUFArray) v;
                out.u32(a.elementType().id());
                out.u64(a.size());
                for (Object item : a.items()) writeValue(out, a.elementType(), item);
            }
            case UINT64, INT64 -> out.u64((Long) v);
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) v));
        }
    }

    /** Little-endian primitives over a stream that counts what it wrote (for offsets and padding). */
    private static final class CountingOutput extends OutputStream {
        private final OutputStream out;
        private final byte[] buf = new byte[8];
        private long count;

        CountingOutput(OutputStream out) {
            this.out = out;
        }

        long count() { return count; }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        void u16(int v) throws IOException {
            buf[0] = (byte) v;
            buf[1] = (byte) (v >>> 8);
            write(buf, 0, 2);
        }

        void u32(long v) throws IOException {
            for (int i = 0; i < 4; i++) buf[i] = (byte) (v >>> (8 * i));
            write(buf, 0, 4);
        }

        void u64(long v) throws IOException {
            for (int i = 0; i < 8; i++) buf[i] = (byte) (v >>> (8 * i));
            write(buf, 0, 8);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }

        void pad(long n) throws IOException {
            for (long i = 0; i < n; i++) write(0);
        }
    }
}
