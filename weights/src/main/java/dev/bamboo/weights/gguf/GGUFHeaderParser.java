package dev.bamboo.weights.gguf;

import dev.bamboo.weights.io.MappedFile;
import dev.bamboo.weights.tensor.GGMLType;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a GGUF header: magic, version, counts, metadata, tensor infos, alignment and data section.
 * Every count and length is checked against the bytes that remain before anything is allocated for it.
 */
final class GGUFHeaderParser {
    static final int MAX_DIMS = 4;
    /** Arrays of arrays deeper than this are not real metadata; the limit keeps recursion bounded. */
    static final int MAX_ARRAY_DEPTH = 16;
    /** Smallest tensor info: name length (8), n_dims (4), one dimension (8), type (4), offset (8). */
    private static final int MIN_TENSOR_INFO_BYTES = 32;
    /** Smallest metadata entry: key length (8), value type (4), a one-byte value. */
    private static final int MIN_KV_BYTES = 13;

    private GGUFHeaderParser() {}

    static GGUFFile parse(MappedFile file, GGUFFile.Builder builder) {
        String name = file.path().getFileName().toString();
        HeaderCursor c = new HeaderCursor(file.segment(), name);
        if (file.size() < 4) {
            throw GGUFErrors.error(name + ": too short for a GGUF file (" + file.size() + " bytes); the file is truncated");
        }
        byte[] m = file.segment().asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
        String magic = new String(m, StandardCharsets.ISO_8859_1);
        if (!magic.equals(GGUFFile.MAGIC_GGUF) && !magic.equals(GGUFFile.MAGIC_POWERINFER)) {
            String hint = name.endsWith(".safetensors") ? "a .safetensors file is one part of a Hugging Face model: give the folder holding it, its config.json and tokenizer"
                    : "give a .gguf model file or a Hugging Face model directory";
            throw GGUFErrors.error(name + ": not a GGUF file (magic " + printable(m) + ", expected GGUF or PWRI); " + hint);
        }
        c.i32("the magic");
        long version = c.u32("the version");
        if (version != 2 && version != 3) {
            String hint = version == 1 ? "GGUF v1 is obsolete; convert the model again with a current converter"
                    : version != 0 && (version & 0xFFFF) == 0 ? "it looks big-endian; use a little-endian file"
                    : version == 0 ? "the file is corrupt" : "only versions 2 and 3 are supported";
            throw GGUFErrors.error(name + ": unsupported GGUF version " + version + "; " + hint);
        }
        long tensorCount = c.count("tensor count", MIN_TENSOR_INFO_BYTES);
        long kvCount = c.count("metadata entry count", MIN_KV_BYTES);

        LinkedHashMap<String, GGUFValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = c.string("metadata key #" + i);
            GGUFValueType type = valueType(c, "metadata " + key);
            GGUFValue value = new GGUFValue(type, readValue(c, type, key, 0));
            if (kv.putIfAbsent(key, value) != null) throw c.corrupt("metadata key " + key + " appears twice");
        }
        GGUFMetadata metadata = new GGUFMetadata(name, kv);
        int alignment = alignment(c, metadata);

        LinkedHashMap<String, GGUFTensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GGUFTensorInfo info = tensorInfo(c, i, alignment);
            if (infos.putIfAbsent(info.name(), info) != null) throw c.corrupt("tensor " + info.name() + " appears twice");
        }
        long headerEnd = c.position();
        long dataStart = (headerEnd + alignment - 1) / alignment * alignment;
        if (dataStart > file.size() && !infos.isEmpty()) {
            throw c.corrupt("the data section would start at byte " + dataStart + ", past the end of the file (" + file.size() + " bytes)");
        }
        long dataSize = Math.max(0, file.size() - dataStart);
        for (GGUFTensorInfo info : infos.values()) {
            if (info.offset() > dataSize || info.byteSize() > dataSize - info.offset()) {
                throw c.corrupt("tensor " + info.name() + " (" + info.type() + " " + info.shape() + ", " + info.byteSize() + " bytes at data offset "
                        + info.offset() + ") lies outside the " + dataSize + "-byte data section");
            }
        }
        GGUFFile.checkBackToBack(name, infos, alignment);
        return builder.build(magic, (int) version, metadata, GGUFFile.unmodifiable(infos), alignment, dataStart);
    }

    private static int alignment(HeaderCursor c, GGUFMetadata metadata) {
        GGUFValue v = metadata.asMap().get(GGUFFile.ALIGNMENT_KEY);
        if (v == null) return GGUFFile.DEFAULT_ALIGNMENT;
        if (!v.type().isInteger()) throw c.corrupt(GGUFFile.ALIGNMENT_KEY + " is " + v.type() + ", not an integer");
        long a = ((Number) v.value()).longValue();
        if (a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1) {
            throw c.corrupt(GGUFFile.ALIGNMENT_KEY + " = " + a + " is not a power of two up to 1 MiB");
        }
        return (int) a;
    }

    private static GGUFValueType valueType(HeaderCursor c, String what) {
        long id = c.u32("the type of " + what);
        GGUFValueType t = GGUFValueType.fromId(id);
        if (t == null) throw c.corrupt(what + " has unknown value type " + id);
        return t;
    }

    private static Object readValue(HeaderCursor c, GGUFValueType type, String key, int depth) {
        return switch (type) {
            case UINT8 -> c.u8(key);
            case INT8 -> (int) c.i8(key);
            case UINT16 -> c.i16(key) & 0xFFFF;
            case INT16 -> (int) c.i16(key);
            case UINT32 -> c.u32(key);
            case INT32 -> c.i32(key);
            case FLOAT32 -> c.f32(key);
            case BOOL -> {
                int b = c.u8(key);
                if (b > 1) throw c.corrupt("metadata " + key + " is a bool with value " + b);
                yield b == 1;
            }
            case STRING -> c.string("metadata " + key);
            case ARRAY -> readArray(c, key, depth);
            case UINT64, INT64 -> c.i64(key);
            case FLOAT64 -> c.f64(key);
        };
    }

    private static GGUFArray readArray(HeaderCursor c, String key, int depth) {
        if (depth >= MAX_ARRAY_DEPTH) throw c.corrupt("metadata " + key + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
        GGUFValueType elementType = valueType(c, "the elements of metadata " + key);
        long n = c.count("the length of metadata array " + key, elementType.minBytes());
        List<Object> items = new ArrayList<>((int) Math.min(n, 1 << 20));
        for (long i = 0; i < n; i++) items.add(readValue(c, elementType, key, depth + 1));
        return new GGUFArray(elementType, items);
    }

    private static GGUFTensorInfo tensorInfo(HeaderCursor c, long index, int alignment) {
        String name = c.string("the name of tensor #" + index);
        long nDims = c.u32("the dimension count of tensor " + name);
        if (nDims < 1 || nDims > MAX_DIMS) throw c.corrupt("tensor " + name + " has " + nDims + " dimensions (1 to " + MAX_DIMS + " allowed)");
        long[] ne = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            ne[d] = c.i64("the dimensions of tensor " + name);
            if (ne[d] <= 0) throw c.corrupt("tensor " + name + " has dimension ne[" + d + "] = " + ne[d]);
            try {
                elements = Math.multiplyExact(elements, ne[d]);
            } catch (ArithmeticException e) {
                throw c.corrupt("tensor " + name + " has an absurd shape " + Arrays.toString(Arrays.copyOf(ne, d + 1)));
            }
        }
        long typeId = c.u32("the type of tensor " + name);
        GGMLType type = GGMLType.fromId((int) Math.min(typeId, Integer.MAX_VALUE));
        if (type == null) throw c.corrupt("tensor " + name + " has unknown ggml type id " + typeId);
        long offset = c.i64("the offset of tensor " + name);
        if (offset < 0 || offset % alignment != 0) {
            throw c.corrupt("tensor " + name + " has data offset " + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
        }
        if (ne[0] % type.blockSize() != 0) {
            throw c.corrupt("tensor " + name + " is " + type + " with rows of " + ne[0] + " values, not a multiple of its block size " + type.blockSize());
        }
        if (ne[0] > Integer.MAX_VALUE) throw c.corrupt("tensor " + name + " has rows of " + ne[0] + " values, too long");
        if (elements / type.blockSize() > Long.MAX_VALUE / type.blockBytes()) {
            throw c.corrupt("tensor " + name + " has an absurd shape " + Arrays.toString(ne));
        }
        return new GGUFTensorInfo(name, ne, type, offset);
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int v = x & 0xFF;
            if (v >= 0x20 && v < 0x7F) sb.append((char) v);
            else sb.append(String.format("\\x%02x", v));
        }
        return "\"" + sb + "\"";
    }
}
