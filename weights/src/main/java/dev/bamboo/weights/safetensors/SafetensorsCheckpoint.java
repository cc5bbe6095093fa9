package dev.bamboo.weights.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.JsonFiles;
import dev.bamboo.weights.io.MessageText;
import dev.bamboo.weights.io.PathKind;
import dev.bamboo.weights.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face directory: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name → shard file).
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.files = files;
        this.byTensor = byTensor;
    }

    public static SafetensorsCheckpoint open(Path dir) {
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) return openSharded(dir, index);
        Path single = dir.resolve(SINGLE);
        PathKind kind = PathKind.of(single);
        if (kind != PathKind.FILE) {
            throw new BambooException(dir + ": " + (kind == PathKind.MISSING ? "no " + SINGLE + " or " + INDEX : SINGLE + " " + kind.phrase())
                    + "; point -m at a Hugging Face model directory with safetensors weights or at a GGUF file");
        }
        SafetensorsFile f = SafetensorsFile.open(single);
        Map<String, SafetensorsFile> map = new LinkedHashMap<>();
        for (String name : f.entries().keySet()) map.put(name, f);
        return new SafetensorsCheckpoint(List.of(f), map);
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) {
        JsonNode weightMap = JsonFiles.readObject(index, "the shard index is corrupt, download it again").get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new BambooException(index + ": has no weight_map object; the shard index is corrupt");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (var it = weightMap.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isTextual() || e.getValue().textValue().isEmpty()) {
                    throw new BambooException(index + ": weight_map gives tensor " + e.getKey() + " the shard " + MessageText.shortened(e.getValue().toString(), 60)
                            + ", which is not a file name; the shard index is corrupt, download it again");
                }
                String shardName = e.getValue().textValue();
                if (shardName.contains("/") || shardName.contains("\\")) {
                    throw new BambooException(index + ": shard name " + shardName + " is not a file in the model directory");
                }
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path p = dir.resolve(shardName);
                    PathKind kind = PathKind.of(p);
                    if (kind != PathKind.FILE) {
                        throw new BambooException(index + " names shard " + shardName + ", which " + (kind == PathKind.MISSING ? "is missing" : kind.phrase())
                                + "; download the complete checkpoint");
                    }
                    shard = SafetensorsFile.open(p);
                    shards.put(shardName, shard);
                    opened.add(shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new BambooException(index + " places tensor " + e.getKey() + " in " + shardName + ", which does not contain it; the checkpoint is inconsistent");
                }
                byTensor.put(e.getKey(), shard);
            }
        } catch (RuntimeException ex) {
            opened.forEach(SafetensorsFile::close);
            throw ex;
        }
        return new SafetensorsCheckpoint(opened, byTensor);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(byTensor.keySet());
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    public Tensor tensor(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new BambooException("tensor " + name + " is missing from the checkpoint; it is incomplete or of another architecture");
        return f.tensor(name);
    }

    public SafetensorsEntry entry(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new BambooException("tensor " + name + " is missing from the checkpoint");
        return f.entry(name);
    }

    /** Total bytes of all weight files. */
    public long fileBytes() {
        long total = 0;
        for (SafetensorsFile f : files) {
            try {
                total += Files.size(f.path());
            } catch (IOException e) {
                // size is informational only
            }
        }
        return total;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
