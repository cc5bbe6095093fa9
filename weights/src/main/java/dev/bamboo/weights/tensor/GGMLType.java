package dev.bamboo.weights.tensor;

import dev.bamboo.weights.BambooException;

/**
 * ggml storage types: the numeric id used in GGUF files, elements per block and bytes per block.
 * Only the types Bamboo can read have a tensor class; the rest are listed so that an unsupported
 * file is reported by name rather than as an unknown number.
 */
public enum GGMLType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, 1, 2);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GGMLType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() { return id; }

    /** Elements per block (1 for plain float types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int blockBytes() { return blockBytes; }

    /** Bytes taken by {@code elements} values; {@code elements} must be a multiple of the block size. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new BambooException("a " + this + " tensor row of " + elements + " values is not a multiple of its block size " + blockSize);
        }
        return elements / blockSize * blockBytes;
    }

    public static GGMLType fromId(int id) {
        for (GGMLType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
