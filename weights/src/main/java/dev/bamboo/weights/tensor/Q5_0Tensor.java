package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_0: blocks of 32 values, each an f16 scale {@code d}, a 32-bit word {@code qh} of high bits (bit j for value j),
 * then 16 bytes of low nibbles (value j low, value j+16 high); value = d · (q − 16) with q in [0, 31].
 * Dot products use the Q8_0 form of the activations, as llama.cpp does.
 */
public record Q5_0Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 22;

    @Override public GGMLType type() { return GGMLType.Q5_0; }

    private float scale(long blockOffset) {
        return Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, blockOffset));
    }

    private int highBits(long blockOffset) {
        return data.get(ValueLayout.JAVA_INT_UNALIGNED, blockOffset + 2);
    }

    private int quant(long blockOffset, int qh, int within) {
        int b = data.get(ValueLayout.JAVA_BYTE, blockOffset + 6 + (within & 15)) & 0xFF;
        int low = within < 16 ? b & 0xF : b >>> 4;
        return (low | ((qh >>> within) & 1) << 4) - 16;
    }

    @Override
    public float get(long index) {
        long off = index / BLOCK * BLOCK_BYTES;
        return scale(off) * quant(off, highBits(off), (int) (index % BLOCK));
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int dstOffset) {
        int blocks = cols / BLOCK;
        long off = row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++, off += BLOCK_BYTES) {
            float d = scale(off);
            int qh = highBits(off);
            for (int i = 0; i < BLOCK; i++) dst[dstOffset + b * BLOCK + i] = d * quant(off, qh, i);
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
            int qh = highBits(off);
            int isum = 0;
            for (int i = 0; i < BLOCK; i++) isum += quant(off, qh, i) * xq[b * BLOCK + i];
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
