package dev.bamboo.runtime.tokenizer;

import java.util.Arrays;

/** A growable list of ints without boxing. */
final class IntList {
    private int[] values = new int[16];
    private int size;

    void add(int v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    /** The last value, or {@code none} when the list is empty. */
    int last(int none) {
        return size == 0 ? none : values[size - 1];
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
