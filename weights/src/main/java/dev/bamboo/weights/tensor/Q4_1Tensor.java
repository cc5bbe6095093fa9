package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_1: blocks of 32 values, each an f16 scale {@code d}, an f16 minimum {@code m}, then 16 bytes; byte j holds value j
 * in its low nibble and value j+16 in its high nibble; value = d · nibble + m.
 * Dot products use the Q8_0 form of the activations plus their block sums (llama.cpp's Q8_1 pairing).
 */
public record Q4_1Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 20;

    @Override public GGMLType type() { return GGMLType.Q4_1; }

    private float half(long offset) {
        return Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
    }

    private int quant(long blockOffset, int within) {
        int b = data.get(ValueLayout.JAVA_BYTE, blockOffset + 4 + (within & 15)) & 0xFF;
        return within < 16 ? b & 0xF : b >>> 4;
    }

    @Override
    public float get(long index) {
        long off = index / BLOCK * BLOCK_BYTES;
        return half(off) * quant(off, (int) (index % BLOCK)) + half(off + 2);
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int dstOffset) {
        int blocks = cols / BLOCK;
        long off = row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++, off += BLOCK_BYTES) {
            float d = half(off), m = half(off + 2);
            for (int i = 0; i < BLOCK; i++) dst[dstOffset + b * BLOCK + i] = d * quant(off, i) + m;
        }
    }

    @Override
    public float dot(long row, ActivationVector x) {
        byte[] xq = x.q8();
        float[] xd = x.q8Scales();
        int blocks = cols / BLOCK;
        long off = row * blocks * BLOCK_BYTES;
        float sum = 0f;
        for (int b = 0; b < blocks; b++, off += BLOCK_BYTES) {
            int isum = 0, xsum = 0;
            for (int i = 0; i < BLOCK; i++) {
                int q = xq[b * BLOCK + i];
                isum += quant(off, i) * q;
                xsum += q;
            }
            sum += half(off) * xd[b] * isum + half(off + 2) * xd[b] * xsum;
        }
        return sum;
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        long base = row * cols;
        for (int j = from; j < to; j++) y[j] += a * get(base + j);
    }
}
