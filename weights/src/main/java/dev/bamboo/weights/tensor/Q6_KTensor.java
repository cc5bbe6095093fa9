package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K: super-blocks of 256 values in 210 bytes: 128 bytes {@code ql} of low nibbles, 64 bytes {@code qh} of 2-bit
 * high parts, 16 signed 8-bit sub-block scales, f16 {@code d}. Each half h (128 values) uses {@code ql[64h ..]},
 * {@code qh[32h ..]}, scales {@code [8h ..]}; within it, value {@code 32g + l} (g = 0..3, l = 0..31) takes the
 * low (g = 0, 1) or high (g = 2, 3) nibble of {@code ql[l + 32(g & 1)]}, bits {@code 2g, 2g+1} of {@code qh[l]}, and
 * scale {@code l/16 + 2g}; value = d · scale · (q − 32). Dot products use float activations.
 */
public record Q6_KTensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final int BLOCK = SuperBlocks.QK_K;
    static final int BLOCK_BYTES = 210;
    private static final SuperBlocks.Decoder DECODER = Q6_KTensor::decodeBlock;

    @Override public GGMLType type() { return GGMLType.Q6_K; }

    static void decodeBlock(MemorySegment data, long offset, byte[] b, float[] dst) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset, b, 0, BLOCK_BYTES);
        float d = SuperBlocks.half(b, 208);
        for (int h = 0; h < 2; h++) {
            int ql = 64 * h, qh = 128 + 32 * h, sc = 192 + 8 * h, y = 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo0 = b[ql + l] & 0xFF, lo1 = b[ql + l + 32] & 0xFF, hi = b[qh + l] & 0xFF;
                int q1 = ((lo0 & 0xF) | (hi & 3) << 4) - 32;
                int q2 = ((lo1 & 0xF) | ((hi >>> 2) & 3) << 4) - 32;
                int q3 = ((lo0 >>> 4) | ((hi >>> 4) & 3) << 4) - 32;
                int q4 = ((lo1 >>> 4) | ((hi >>> 6) & 3) << 4) - 32;
                dst[y + l] = d * b[sc + is] * q1;
                dst[y + l + 32] = d * b[sc + is + 2] * q2;
                dst[y + l + 64] = d * b[sc + is + 4] * q3;
                dst[y + l + 96] = d * b[sc + is + 6] * q4;
            }
        }
    }

    @Override
    public float get(long index) {
        long off = index / BLOCK * BLOCK_BYTES;
        int p = (int) (index % BLOCK);
        int h = p / 128, r = p % 128, g = r / 32, l = r % 32;
        int lo = data.get(ValueLayout.JAVA_BYTE, off + 64 * h + l + 32 * (g & 1)) & 0xFF;
        int hi = data.get(ValueLayout.JAVA_BYTE, off + 128 + 32 * h + l) & 0xFF;
        int q = ((g < 2 ? lo & 0xF : lo >>> 4) | ((hi >>> (2 * g)) & 3) << 4) - 32;
        byte scale = data.get(ValueLayout.JAVA_BYTE, off + 192 + 8 * h + l / 16 + 2 * g);
        float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 208));
        return d * scale * q;
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int dstOffset) {
        SuperBlocks.dequantizeRow(DECODER, data, BLOCK_BYTES, cols, row, dst, dstOffset);
    }

    @Override
    public float dot(long row, ActivationVector x) {
        return SuperBlocks.dot(DECODER, data, BLOCK_BYTES, cols, row, x.values());
    }

    @Override
    public void axpyRow(long row, float a, float[] y, int from, int to) {
        SuperBlocks.axpyRow(DECODER, data, BLOCK_BYTES, cols, row, a, y, from, to);
    }
}
