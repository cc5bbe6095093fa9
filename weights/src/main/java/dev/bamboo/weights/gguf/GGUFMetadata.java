package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The key/value metadata of a GGUF file, in file order, with typed accessors. The {@code Optional} forms are empty
 * when the key is absent; a present key of the wrong type is an error (a file that says {@code block_count = "3"} is
 * corrupt, not silent). The {@code required} forms also fail when the key is absent. Errors name the file and key.
 */
public final class GGUFMetadata {
    private final String fileName;
    private final Map<String, GGUFValue> values;

    public GGUFMetadata(String fileName, Map<String, GGUFValue> values) {
        this.fileName = fileName;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** All entries in file order. */
    public Map<String, GGUFValue> asMap() { return values; }

    public boolean contains(String key) { return values.containsKey(key); }

    public Optional<GGUFValue> get(String key) { return Optional.ofNullable(values.get(key)); }

    public Optional<String> string(String key) {
        GGUFValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (v.type() != GGUFValueType.STRING) throw wrongType(key, v, "a string");
        return Optional.of((String) v.value());
    }

    /** Any integer type, widened to long. */
    public OptionalLong intValue(String key) {
        GGUFValue v = values.get(key);
        if (v == null) return OptionalLong.empty();
        if (!v.type().isInteger()) throw wrongType(key, v, "an integer");
        return OptionalLong.of(((Number) v.value()).longValue());
    }

    /**
     * FLOAT32 or FLOAT64 only, as llama.cpp reads them: a float key of an integer type is what a corrupt type byte
     * makes of it (the float's bits read as an int), not a number to convert.
     */
    public OptionalDouble floatValue(String key) {
        GGUFValue v = values.get(key);
        if (v == null) return OptionalDouble.empty();
        if (!v.type().isFloat()) throw wrongType(key, v, "a float");
        return OptionalDouble.of(((Number) v.value()).doubleValue());
    }

    public Optional<Boolean> bool(String key) {
        GGUFValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (v.type() != GGUFValueType.BOOL) throw wrongType(key, v, "a bool");
        return Optional.of((Boolean) v.value());
    }

    public Optional<GGUFArray> array(String key) {
        GGUFValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (v.type() != GGUFValueType.ARRAY) throw wrongType(key, v, "an array");
        return Optional.of((GGUFArray) v.value());
    }

    public Optional<List<String>> stringArray(String key) {
        return array(key).map(a -> {
            if (a.elementType() != GGUFValueType.STRING) throw wrongElements(key, a, "strings");
            List<String> out = new ArrayList<>(a.size());
            for (Object o : a.items()) out.add((String) o);
            return Collections.unmodifiableList(out);
        });
    }

    public Optional<float[]> floatArray(String key) {
        return array(key).map(a -> {
            if (!a.elementType().isFloat()) throw wrongElements(key, a, "floats");
            float[] out = new float[a.size()];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) a.items().get(i)).floatValue();
            return out;
        });
    }

    /** Integer elements narrowed to int; an element outside the int range is an error. */
    public Optional<int[]> intArray(String key) {
        return array(key).map(a -> {
            if (!a.elementType().isInteger()) throw wrongElements(key, a, "integers");
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) {
                long x = ((Number) a.items().get(i)).longValue();
                if (x != (int) x) throw GGUFErrors.error(fileName + ": metadata " + key + "[" + i + "] = " + x + " is out of range; the file is corrupt");
                out[i] = (int) x;
            }
            return out;
        });
    }

    public String requiredString(String key) { return string(key).orElseThrow(() -> missing(key)); }

    public long requiredInt(String key) {
        OptionalLong v = intValue(key);
        if (v.isEmpty()) throw missing(key);
        return v.getAsLong();
    }

    /** An integer key that must lie in {@code [min, max]} (dimension counts and the like). */
    public int requiredInt(String key, int min, int max) {
        long v = requiredInt(key);
        if (v < min || v > max) {
            throw GGUFErrors.error(fileName + ": metadata " + key + " = " + v + " is outside [" + min + ", " + max + "]; the file is corrupt");
        }
        return (int) v;
    }

    public double requiredFloat(String key) {
        OptionalDouble v = floatValue(key);
        if (v.isEmpty()) throw missing(key);
        return v.getAsDouble();
    }


    public List<String> requiredStringArray(String key) { return stringArray(key).orElseThrow(() -> missing(key)); }

    public float[] requiredFloatArray(String key) { return floatArray(key).orElseThrow(() -> missing(key)); }

    public int[] requiredIntArray(String key) { return intArray(key).orElseThrow(() -> missing(key)); }

    private BambooException missing(String key) {
        return GGUFErrors.error(fileName + ": metadata key " + key + " is missing; the file was not written for this kind of model or is incomplete");
    }

    private BambooException wrongType(String key, GGUFValue v, String expected) {
        return GGUFErrors.error(fileName + ": metadata " + key + " is " + v.type() + " where " + expected + " is expected; the file is corrupt");
    }

    private BambooException wrongElements(String key, GGUFArray a, String expected) {
        return GGUFErrors.error(fileName + ": metadata " + key + " is an array of " + a.elementType() + " where " + expected + " are expected; the file is corrupt");
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
