package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_K: super-blocks of 256 values in 176 bytes: f16 {@code d}, f16 {@code dmin}, 12 bytes of packed 6-bit sub-block
 * scales and mins (as Q4_K), 32 bytes {@code qh} of fifth bits, 128 bytes of nibbles. Chunk c (64 values) takes low
 * nibbles of {@code qs[32c + l]} with bit 2c of {@code qh[l]} (sub-block 2c), high nibbles with bit 2c+1 (sub-block 2c+1);
 * value = d·scale·q − dmin·min, q in [0, 31]. Dot products use float activations.
 */
public record Q5_KTensor(String name, long rows, int cols, MemorySegment data) implements Tensor {
    static final int BLOCK = SuperBlocks.QK_K;
    static final int BLOCK_BYTES = 176;
    private static final SuperBlocks.Decoder DECODER = Q5_KTensor::decodeBlock;

    @Override public GGMLType type() { return GGMLType.Q5_K; }

    static void decodeBlock(MemorySegment data, long offset, byte[] b, float[] dst) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset, b, 0, BLOCK_BYTES);
        float d = SuperBlocks.half(b, 0), dmin = SuperBlocks.half(b, 2);
        for (int c = 0; c < 4; c++) {
            int sm1 = SuperBlocks.scaleMinK4(b, 4, 2 * c), sm2 = SuperBlocks.scaleMinK4(b, 4, 2 * c + 1);
            float d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8);
            float d2 = d * (sm2 & 0xFF), m2 = dmin * (sm2 >>> 8);
            int q = 48 + 32 * c, y = 64 * c;
            for (int l = 0; l < 32; l++) {
                int v = b[q + l] & 0xFF, h = b[16 + l] & 0xFF;
                dst[y + l] = d1 * ((v & 0xF) | ((h >>> (2 * c)) & 1) << 4) - m1;
                dst[y + 32 + l] = d2 * ((v >>> 4) | ((h >>> (2 * c + 1)) & 1) << 4) - m2;
            }
        }
    }

    @Override
    public float get(long index) {
        long off = index / BLOCK * BLOCK_BYTES;
        int p = (int) (index % BLOCK);
        int c = p / 64, r = p % 64, sub = 2 * c + r / 32, l = r % 32;
        byte[] head = new byte[16];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, head, 0, 16);
        int sm = SuperBlocks.scaleMinK4(head, 4, sub);
        int v = data.get(ValueLayout.JAVA_BYTE, off + 48 + 32 * c + l) & 0xFF;
        int h = data.get(ValueLayout.JAVA_BYTE, off + 16 + l) & 0xFF;
        int q = (r < 32 ? v & 0xF : v >>> 4) | ((h >>> sub) & 1) << 4;
        float d = SuperBlocks.half(head, 0), dmin = SuperBlocks.half(head, 2);
        return d * (sm & 0xFF) * q - dmin * (sm >>> 8);
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
