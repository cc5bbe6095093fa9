package dev.bamboo.weights.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Row operations for the K-quants (super-blocks of 256 values): each super-block is decoded into a small float buffer,
 * then used with float activations. Decoding a whole super-block amortises its scale unpacking over 256 values.
 */
final class SuperBlocks {
    static final int QK_K = 256;

    private SuperBlocks() {}

    /** Decodes the super-block whose bytes start at {@code offset} into {@code dst[0 .. 256)}. */
    @FunctionalInterface
    interface Decoder {
        void decode(MemorySegment data, long offset, byte[] scratch, float[] dst);
    }

    static void dequantizeRow(Decoder decoder, MemorySegment data, int blockBytes, int cols, long row, float[] dst, int dstOffset) {
        int blocks = cols / QK_K;
        byte[] scratch = new byte[blockBytes];
        float[] buf = new float[QK_K];
        long off = row * blocks * blockBytes;
        for (int b = 0; b < blocks; b++, off += blockBytes) {
            decoder.decode(data, off, scratch, buf);
            System.arraycopy(buf, 0, dst, dstOffset + b * QK_K, QK_K);
        }
    }

    static float dot(Decoder decoder, MemorySegment data, int blockBytes, int cols, long row, float[] x) {
        int blocks = cols / QK_K;
        byte[] scratch = new byte[blockBytes];
        float[] buf = new float[QK_K];
        long off = row * blocks * blockBytes;
        float sum = 0f;
        for (int b = 0; b < blocks; b++, off += blockBytes) {
            decoder.decode(data, off, scratch, buf);
            int base = b * QK_K;
            float s = 0f;
            for (int i = 0; i < QK_K; i++) s += buf[i] * x[base + i];
            sum += s;
        }
        return sum;
    }

    static void axpyRow(Decoder decoder, MemorySegment data, int blockBytes, int cols, long row, float a, float[] y, int from, int to) {
        if (from >= to) return;
        int blocks = cols / QK_K;
        byte[] scratch = new byte[blockBytes];
        float[] buf = new float[QK_K];
        long rowOff = row * blocks * blockBytes;
        for (int b = from / QK_K; b * QK_K < to; b++) {
            decoder.decode(data, rowOff + (long) b * blockBytes, scratch, buf);
            int base = b * QK_K;
            int lo = Math.max(from, base), hi = Math.min(to, base + QK_K);
            for (int j = lo; j < hi; j++) y[j] += a * buf[j - base];
        }
    }

    /**
     * The 6-bit scale and min of sub-block {@code j} (0..7) from the 12 packed bytes of Q4_K/Q5_K
     * (ggml's get_scale_min_k4): returns {@code scale | min << 8}.
     */
    static int scaleMinK4(byte[] b, int scalesOffset, int j) {
        int sc, m;
        if (j < 4) {
            sc = b[scalesOffset + j] & 63;
            m = b[scalesOffset + j + 4] & 63;
        } else {
            int qj4 = b[scalesOffset + j + 4] & 0xFF;
            sc = (qj4 & 0xF) | (((b[scalesOffset + j - 4] & 0xFF) >>> 6) << 4);
            m = (qj4 >>> 4) | (((b[scalesOffset + j] & 0xFF) >>> 6) << 4);
        }
        return sc | m << 8;
    }

    static float half(byte[] b, int offset) {
        return Float.float16ToFloat((short) ((b[offset] & 0xFF) | (b[offset + 1] & 0xFF) << 8));
    }
}
