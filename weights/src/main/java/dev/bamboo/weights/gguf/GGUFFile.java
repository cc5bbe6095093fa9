package dev.bamboo.weights.gguf;

import dev.bamboo.weights.io.MappedFile;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3), with magic {@code GGUF} or PowerInfer's {@code PWRI} (same layout, sparse model).
 * Opening maps the file and parses and validates the whole header (metadata, tensor infos: types, shapes, every
 * tensor inside the data section, the tensors back to back); tensor data is never read until used, and tensors are
 * zero-copy slices of the one memory map. Close the file only after the last use of its tensors.
 */
public final class GGUFFile implements AutoCloseable {
    public static final String MAGIC_GGUF = "GGUF";
    public static final String MAGIC_POWERINFER = "PWRI";
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";

    private final MappedFile file;
    private final String magic;
    private final int version;
    private final GGUFMetadata metadata;
    private final Map<String, GGUFTensorInfo> tensorInfos;
    private final int alignment;
    private final long dataStart;

    private GGUFFile(MappedFile file, String magic, int version, GGUFMetadata metadata, Map<String, GGUFTensorInfo> tensorInfos,
                     int alignment, long dataStart) {
        this.file = file;
        this.magic = magic;
        this.version = version;
        this.metadata = metadata;
        this.tensorInfos = tensorInfos;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    public static GGUFFile open(Path path) {
        MappedFile file = MappedFile.open(path);
        try {
            return GGUFHeaderParser.parse(file, (m, v, meta, infos, align, start) -> new GGUFFile(file, m, v, meta, infos, align, start));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public Path path() { return file.path(); }

    /** The file name, as used in messages. */
    public String fileName() { return file.path().getFileName().toString(); }

    /** {@code "GGUF"} or {@code "PWRI"}. */
    public String magic() { return magic; }

    /** True for PowerInfer files ({@code PWRI}): sparse models whose FFN comes with predictors. */
    public boolean isPowerInfer() { return magic.equals(MAGIC_POWERINFER); }

    public int version() { return version; }

    public GGUFMetadata metadata() { return metadata; }

    /** {@code general.architecture}, required. */
    public String architecture() { return metadata.requiredString("general.architecture"); }

    public int alignment() { return alignment; }

    /** Absolute file offset of the data section. */
    public long dataStart() { return dataStart; }

    public long fileSize() { return file.size(); }

    /** Tensor infos in file order. */
    public List<GGUFTensorInfo> tensorInfos() { return List.copyOf(tensorInfos.values()); }

    public boolean contains(String name) { return tensorInfos.containsKey(name); }

    public GGUFTensorInfo tensorInfo(String name) {
        GGUFTensorInfo info = tensorInfos.get(name);
        if (info == null) {
            throw GGUFErrors.error(fileName() + ": tensor " + name + " is missing; the file is incomplete or holds another architecture");
        }
        return info;
    }

    /** The raw bytes of a tensor (zero-copy). */
    public java.lang.foreign.MemorySegment tensorBytes(String name) {
        GGUFTensorInfo info = tensorInfo(name);
        return file.slice(dataStart + info.offset(), info.byteSize(), "tensor " + name);
    }

    /** A tensor as a 2-D view: {@code ne[0]} columns, the product of the other dimensions as rows. */
    public Tensor tensor(String name) {
        GGUFTensorInfo info = tensorInfo(name);
        if (!Tensors.supported(info.type())) {
            throw GGUFErrors.error(fileName() + ": tensor " + name + " has type " + info.type()
                    + ", which Bamboo cannot compute with; supported: " + supportedTypes() + " (re-quantize the model to one of them)");
        }
        return Tensors.of(name, info.type(), info.rows(), (int) info.cols(), tensorBytes(name));
    }

    private static String supportedTypes() {
        List<String> names = new ArrayList<>();
        for (GGMLType t : GGMLType.values()) if (Tensors.supported(t)) names.add(t.name());
        return String.join(", ", names);
    }

    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return fileName() + " (" + magic + " v" + version + ", " + tensorInfos.size() + " tensors, " + metadata.asMap().size() + " metadata keys)";
    }

    /** Receives a parsed header. */
    interface Builder {
        GGUFFile build(String magic, int version, GGUFMetadata metadata, Map<String, GGUFTensorInfo> infos, int alignment, long dataStart);
    }

    /**
     * Checks that the tensors lie back to back in the data section, in the order of their infos, each padded to the
     * alignment, as every GGUF writer lays them out and llama.cpp requires. Besides aliasing, this catches a corrupt
     * type or shape that leaves a gap: a tensor read with the wrong size would otherwise load and compute garbage.
     */
    static void checkBackToBack(String fileName, Map<String, GGUFTensorInfo> infos, int alignment) {
        long expected = 0;
        String previous = null;
        for (GGUFTensorInfo info : infos.values()) {
            if (info.offset() != expected) {
                throw GGUFErrors.error(fileName + ": tensor " + info.name() + " has data offset " + info.offset() + " where " + expected
                        + " is expected (tensors lie back to back, each padded to " + alignment + " bytes"
                        + (previous == null ? "" : ", and " + previous + " ends there") + "); the file is corrupt");
            }
            expected += (info.byteSize() + alignment - 1) / alignment * alignment;
            previous = info.name();
        }
    }

    static Map<String, GGUFTensorInfo> unmodifiable(LinkedHashMap<String, GGUFTensorInfo> m) {
        return Collections.unmodifiableMap(m);
    }
}
