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
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    // 31-33 and 36-38: interleaved layouts that ggml later dropped for repacking at load time; files of them exist
    Q4_0_4_4(31, 32, 18),
    Q4_0_4_8(32, 32, 18),
    Q4_0_8_8(33, 32, 18),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    IQ4_NL_4_4(36, 32, 18),
    IQ4_NL_4_8(37, 32, 18),
    IQ4_NL_8_8(38, 32, 18),
    MXFP4(39, 32, 17);

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
