package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q8_0: blocks of 32 values, each block an f16 scale {@code d} then 32 signed bytes; value = d · q.
 * Dot products use the Q8_0 form of the activations, as llama.cpp does.
 */
public record Q8_0Tensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    @Override public GGMLType type() { return GGMLType.Q8_0; }

    private float scale(long blockOffset) {
        return Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, blockOffset));
    }

    @Override
    public float get(long index) {
        long block = index / BLOCK;
        int within = (int) (index % BLOCK);
        long off = block * BLOCK_BYTES;
        return scale(off) * data.get(ValueLayout.JAVA_BYTE, off + 2 + within);
    }

    @Override
    public float dot(long row, ActivationVector x) {
        if (!Simd.QUANT_VECTORS) return dotScalar(row, x);
        int blocks = cols / BLOCK;
        return Q8_0Kernels.dot(data, row * blocks * BLOCK_BYTES, blocks, x.q8Shorts(), x.q8Scales());
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
        Q8_0Kernels.axpyBlocks(data, row * (cols / BLOCK) * BLOCK_BYTES, a, y, firstBlock, endBlock);
        axpyScalar(row, a, y, endBlock * BLOCK, to);
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
        for (int r = from; r < to; r++) out[r] = Q8_0Kernels.dot(data, (long) r * blocks * BLOCK_BYTES, blocks, xs, xd);
    }

    /**
     * In blocks of {@link RowTouch#BLOCK} list entries, each block's rows touched before they are computed: 15 % of the
     * rows of ten Bamboo-7B-shaped matrices, 2 threads, 10 GB/s row after row, 13.5–14 in blocks of 8 or 16 touched
     * row by row; in JMH ({@code MatvecBenchmark -p activePercent=15}) 8.8–13.1 touched row by row, 11.6–18.8 across
     * the block ({@link RowTouch}).
     */
    @Override
    public void dotRows(int[] rows, int from, int to, ActivationVector x, float[] out) {
        if (!Simd.QUANT_VECTORS) {
            Tensor.super.dotRows(rows, from, to, x, out);
            return;
        }
        short[] xs = x.q8Shorts();
        float[] xd = x.q8Scales();
        int blocks = cols / BLOCK, touched = 0;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        for (int k0 = from; k0 < to; k0 += RowTouch.BLOCK) {
            int k1 = Math.min(to, k0 + RowTouch.BLOCK);
            touched += RowTouch.bytes(data, rows, k0, k1, rowBytes);
            for (int k = k0; k < k1; k++) out[rows[k]] = Q8_0Kernels.dot(data, rows[k] * rowBytes, blocks, xs, xd);
        }
        RowTouch.keep(touched);
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
            for (int i = 0; i < BLOCK; i++) isum += data.get(ValueLayout.JAVA_BYTE, off + 2 + i) * xq[b * BLOCK + i];
            sum += scale(off) * xd[b] * isum;
        }
        return sum;
    }

    private void axpyScalar(long row, float a, float[] y, int from, int to) {
        long base = row * cols;
        for (int j = from; j < to; j++) y[j] += a * get(base + j);
    }
}
