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
        if (!Simd.QUANT_VECTORS) return dotScalar(row, x);
        int blocks = cols / BLOCK;
        return Q4_0Kernels.dot(data, row * blocks * BLOCK_BYTES, blocks, x.q8Shorts(), x.q8Scales());
    }

    /** Whole blocks inside {@code [from, to)} are vectorized, partial blocks at the ends use the scalar path. */
    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        if (!Simd.QUANT_VECTORS) {
            axpyScalar(row, a, y, from, to);
            return;
        }
        int firstBlock = (from + BLOCK - 1) / BLOCK, endBlock = to / BLOCK;
        if (firstBlock >= endBlock) {
            axpyScalar(row, a, y, from, to);
            return;
        }
        axpyScalar(row, a, y, from, firstBlock * BLOCK);
        Q4_0Kernels.axpyBlocks(data, row * (cols / BLOCK) * BLOCK_BYTES, a, y, firstBlock, endBlock);
        axpyScalar(row, a, y, endBlock * BLOCK, to);
    }

    /** Rows in groups of four per pass over {@code y}; edges and left-over rows as {@link #axpyRow}. */
    @Override
    public void axpyRows(int[] rows, float[] coeffs, int count, float[] y, int from, int to) {
        int firstBlock = (from + BLOCK - 1) / BLOCK, endBlock = to / BLOCK;
        if (!Simd.QUANT_VECTORS || firstBlock >= endBlock) {
            Tensor.super.axpyRows(rows, coeffs, count, y, from, to);
            return;
        }
        long rowBytes = (long) (cols / BLOCK) * BLOCK_BYTES;
        int k = 0;
        for (; k + 4 <= count; k += 4) {
            for (int i = k; i < k + 4; i++) {
                axpyScalar(rows[i], coeffs[i], y, from, firstBlock * BLOCK);
                axpyScalar(rows[i], coeffs[i], y, endBlock * BLOCK, to);
            }
            Q4_0Kernels.axpyBlocks4(data, rows[k] * rowBytes, rows[k + 1] * rowBytes, rows[k + 2] * rowBytes, rows[k + 3] * rowBytes,
                    coeffs[k], coeffs[k + 1], coeffs[k + 2], coeffs[k + 3], y, firstBlock, endBlock);
        }
        for (; k < count; k++) axpyRow(rows[k], coeffs[k], y, from, to);
    }

    @Override
    public void matvec(ActivationVector x, float[] out, int from, int to) {
        if (!Simd.QUANT_VECTORS) {
            for (int r = from; r < to; r++) out[r] = dotScalar(r, x);
            return;
        }
        short[] xs = x.q8Shorts();
        float[] xd = x.q8Scales();
        int blocks = cols / BLOCK;
        for (int r = from; r < to; r++) out[r] = Q4_0Kernels.dot(data, (long) r * blocks * BLOCK_BYTES, blocks, xs, xd);
    }

    // The plain loops: the reference arithmetic, used where the platform has no usable vector shape.

    private float dotScalar(long row, ActivationVector x) {
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

    private void axpyScalar(long row, float a, float[] y, int from, int to) {
        long base = row * cols;
        for (int j = from; j < to; j++) y[j] += a * get(base + j);
    }
}
