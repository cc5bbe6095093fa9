package dev.bamboo.weights.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.JsonFiles;
import dev.bamboo.weights.io.MappedFile;
import dev.bamboo.weights.io.MessageText;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then the tensor bytes.
 * The header is validated completely (dtypes, shapes, tensors back to back filling the data section) before any tensor is used.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Headers above this are not real safetensors files; refusing them keeps a corrupt length from allocating gigabytes. */
    private static final long MAX_HEADER = 100L << 20;

    private final MappedFile file;
    private final long dataStart;
    private final Map<String, SafetensorsEntry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(MappedFile file, long dataStart, Map<String, SafetensorsEntry> entries, Map<String, String> metadata) {
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        MappedFile file = MappedFile.open(path);
        try {
            return parse(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(MappedFile file) {
        String name = file.path().getFileName().toString();
        if (file.size() < 8) {
            throw new BambooException(name + ": too short for a safetensors file (" + file.size() + " bytes); the file is truncated");
        }
        long headerLen = file.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > file.size() - 8) {
            throw new BambooException(name + ": invalid safetensors header length " + headerLen + " (file has " + file.size() + " bytes); the file is truncated or not a safetensors file");
        }
        byte[] header = file.slice(8, headerLen, "the header").toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            root = JsonFiles.parse(new String(header, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BambooException(name + ": the safetensors header is not valid JSON; the file is corrupt");
        }
        if (root == null || !root.isObject()) {
            throw new BambooException(name + ": the safetensors header is not a JSON object; the file is corrupt");
        }
        long dataStart = 8 + headerLen;
        long dataSize = file.size() - dataStart;
        Map<String, SafetensorsEntry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var field = it.next();
            if (field.getKey().equals("__metadata__")) {
                field.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            entries.put(field.getKey(), entry(name, MessageText.shortened(field.getKey(), 120), field.getKey(), field.getValue(), dataSize));
        }
        checkBackToBack(name, entries, dataSize);
        return new SafetensorsFile(file, dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    private static SafetensorsEntry entry(String file, String shownName, String tensor, JsonNode node, long dataSize) {
        String where = file + ": tensor " + shownName;
        JsonNode dtypeNode = node.get("dtype"), shapeNode = node.get("shape"), offsets = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new BambooException(where + " lacks dtype, shape or data_offsets; the file is corrupt");
        }
        SafetensorsDType dtype;
        try {
            dtype = SafetensorsDType.valueOf(dtypeNode.asText());
        } catch (IllegalArgumentException e) {
            throw new BambooException(where + " has dtype " + dtypeNode.asText() + ", which Bamboo does not read (supported: F32, F16, BF16, I32, I64)");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) throw new BambooException(where + " has an invalid shape " + shapeNode + "; the file is corrupt");
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new BambooException(where + " has an absurd shape " + shapeNode + "; the file is corrupt");
            }
        }
        for (JsonNode o : offsets) {
            if (!o.isIntegralNumber() || !o.canConvertToLong()) {
                throw new BambooException(where + " has data offsets " + offsets + " that are not integers; the file is corrupt");
            }
        }
        long begin = offsets.get(0).longValue(), end = offsets.get(1).longValue();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new BambooException(where + " has data offsets [" + begin + ", " + end + "] outside the file's " + dataSize + " data bytes; the file is truncated or corrupt");
        }
        if (elements > Long.MAX_VALUE / dtype.bytes() || end - begin != elements * dtype.bytes()) {
            throw new BambooException(where + ": shape " + shapeNode + " of " + dtype + " needs " + elements + "×" + dtype.bytes() + " bytes but its offsets span " + (end - begin) + "; the file is corrupt");
        }
        return new SafetensorsEntry(tensor, dtype, shape, begin, end);
    }

    /**
     * Checks that the tensors fill the data section back to back, as the safetensors format requires and its reference
     * library checks: besides aliasing, a gap or a data section longer than the tensors means a corrupt header length
     * or offsets, which would otherwise load every tensor a few bytes off.
     */
    private static void checkBackToBack(String file, Map<String, SafetensorsEntry> entries, long dataSize) {
        List<SafetensorsEntry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(SafetensorsEntry::begin).thenComparingLong(SafetensorsEntry::end));
        long expected = 0;
        String previous = null;
        for (SafetensorsEntry e : sorted) {
            if (e.begin() != expected) {
                throw new BambooException(file + ": tensor " + MessageText.shortened(e.name(), 120) + " starts at data byte " + e.begin() + " where "
                        + (previous == null ? "the data starts at 0" : MessageText.shortened(previous, 120) + " ends at " + expected)
                        + " (tensors fill the data section back to back); the file is corrupt");
            }
            expected = e.end();
            previous = e.name();
        }
        if (expected != dataSize) {
            throw new BambooException(file + ": the tensors end at data byte " + expected + " but the data section holds " + dataSize
                    + " bytes; the header length or the offsets are corrupt, or the file has bytes appended");
        }
    }

    public Path path() { return file.path(); }

    public Map<String, SafetensorsEntry> entries() { return entries; }

    public Map<String, String> metadata() { return metadata; }

    public boolean contains(String name) { return entries.containsKey(name); }

    public SafetensorsEntry entry(String name) {
        SafetensorsEntry e = entries.get(name);
        if (e == null) throw new BambooException(file.path().getFileName() + ": tensor " + name + " is missing; the checkpoint is incomplete or of another architecture");
        return e;
    }

    /** The raw bytes of a tensor (zero-copy). */
    public MemorySegment bytes(String name) {
        SafetensorsEntry e = entry(name);
        return file.slice(dataStart + e.begin(), e.end() - e.begin(), "tensor " + name);
    }

    /** A weight tensor viewed as 2-D (rows = all dimensions but the last). */
    public Tensor tensor(String name) {
        SafetensorsEntry e = entry(name);
        if (e.dtype().tensorType() == null) {
            throw new BambooException(file.path().getFileName() + ": tensor " + name + " is " + e.dtype() + ", not a float weight");
        }
        return Tensors.ofShape(name, e.dtype().tensorType(), e.shape(), bytes(name), file.path().getFileName() + ": tensor " + name);
    }

    /** A float tensor's values copied into an array (for small tensors: references, test data). */
    public float[] floats(String name) {
        Tensor t = tensor(name);
        if (t.size() > Integer.MAX_VALUE - 8) throw new BambooException("tensor " + name + " is too large to copy");
        float[] out = new float[(int) t.size()];
        for (int i = 0; i < out.length; i++) out[i] = t.get(i);
        return out;
    }

    /** An integer tensor (I32 or I64) as ints. */
    public int[] ints(String name) {
        SafetensorsEntry e = entry(name);
        MemorySegment b = bytes(name);
        int n = Math.toIntExact(e.elements());
        int[] out = new int[n];
        switch (e.dtype()) {
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = Math.toIntExact(b.get(ValueLayout.JAVA_LONG_UNALIGNED, 8L * i)); }
            default -> throw new BambooException(file.path().getFileName() + ": tensor " + name + " is " + e.dtype() + ", not an integer tensor");
        }
        return out;
    }

    @Override
    public void close() {
        file.close();
    }
}
