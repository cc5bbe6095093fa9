package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0: blocks of 32 values, each block an f16 scale {@code d} then 16 bytes; byte j holds value j in its low
 * nibble and value j+16 in its high nibble; value = d · (nibble − 8).
 * Dot products use the Q8_0 form of the activations, as llama.cpp does.
 */
public record Q4_0Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;

    @Override public GGMLType type() { return GGMLType.Q4_0; }

    private float scale(long blockOffset) {
        return Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, blockOffset));
    }

    private int quant(long blockOffset, int within) {
        int b = data.get(ValueLayout.JAVA_BYTE, blockOffset + 2 + (within & 15)) & 0xFF;
        return (within < 16 ? b & 0xF : b >>> 4) - 8;
    }

    @Override
    public float get(long index) {
        long off = index / BLOCK * BLOCK_BYTES;
        return scale(off) * quant(off, (int) (index % BLOCK));
    }

    @Override
    public float dot(long row, ActivationVector x) {
        byte[] xq = x.q8();
        float[] xd = x.q8Scales();
        int blocks = cols / BLOCK;
        long off = row * blocks * BLOCK_BYTES;
        float sum = 0f;
        for (int b = 0; b < blocks; b++, off += BLOCK_BYTES) {
            int isum = 0;
            for (int i = 0; i < BLOCK; i++) isum += quant(off, i) * xq[b * BLOCK + i];
            sum += scale(off) * xd[b] * isum;
        }
        return sum;
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        long base = row * cols;
        for (int j = from; j < to; j++) y[j] += a * get(base + j);
    }
}
