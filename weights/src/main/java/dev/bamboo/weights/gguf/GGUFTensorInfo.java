package dev.bamboo.weights.gguf;

import dev.bamboo.weights.tensor.GGMLType;

import java.util.Arrays;

/**
 * A tensor's entry in a GGUF header: name, ggml dimensions ({@code ne[0]} is the contiguous one), storage type and
 * the offset of its bytes relative to the start of the data section.
 */
public record GGUFTensorInfo(String name, long[] ne, GGMLType type, long offset) {

    public GGUFTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public int nDims() {
        return ne.length;
    }

    public long ne(int i) {
        return i < ne.length ? ne[i] : 1;
    }

    public long elements() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    /** Columns of the 2-D view: {@code ne[0]}. */
    public long cols() {
        return ne[0];
    }

    /** Rows of the 2-D view: the product of every dimension but {@code ne[0]}. */
    public long rows() {
        return rows(ne);
    }

    /** Bytes of the tensor's data. */
    public long byteSize() {
        return byteSize(type, ne);
    }

    /** Rows of the 2-D view of ggml shape {@code ne}: the product of every dimension but {@code ne[0]}. */
    public static long rows(long[] ne) {
        long r = 1;
        for (int i = 1; i < ne.length; i++) r *= ne[i];
        return r;
    }

    /** Bytes of the data of a tensor of {@code type} and ggml shape {@code ne}. */
    public static long byteSize(GGMLType type, long[] ne) {
        return type.bytesFor(ne[0]) * rows(ne);
    }

    /** The shape in ggml order, e.g. {@code [128, 384]}. */
    public String shape() {
        return Arrays.toString(ne);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GGUFTensorInfo t && name.equals(t.name) && Arrays.equals(ne, t.ne) && type == t.type && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shape() + " @" + offset;
    }
}
