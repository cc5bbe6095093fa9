package dev.bamboo.weights.gguf;

import java.util.List;

/**
 * A metadata array: one element type and its items, each in the Java form {@link GGUFValue} documents for that type
 * (nested arrays are {@link GGUFArray}s).
 */
public record GGUFArray(GGUFValueType elementType, List<?> items) {

    public GGUFArray {
        items = List.copyOf(items);
        for (Object item : items) GGUFValue.checkJavaType(elementType, item);
    }

    public int size() {
        return items.size();
    }

    @Override
    public String toString() {
        return "ARRAY of " + items.size() + " " + elementType;
    }
}
