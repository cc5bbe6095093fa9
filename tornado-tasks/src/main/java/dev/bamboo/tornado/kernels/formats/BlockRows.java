package dev.bamboo.tornado.kernels.formats;

import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Q8_0 and Q4_0 rows read straight from the file layout. Both are blocks of 32 values, each an f16 scale {@code d}
 * then the quants; they differ only in how a block's quants are stored:
 * <ul>
 *   <li>Q8_0: 32 signed bytes (34 bytes a block), value = d · q;</li>
 *   <li>Q4_0: 16 bytes, byte j holding value j in its low nibble and value j + 16 in its high nibble (18 bytes a
 *       block), value = d · (nibble − 8).</li>
 * </ul>
 *
 * <p>Nibbles are taken from the sign-extended byte ({@code (b >> 4) & 15}), never from {@code b & 0xFF}: TornadoVM
 * 5.2 types {@code b & 0xFF} as an OpenCL {@code uint}, so the later {@code − 8} wraps around instead of going negative.
 */
public final class BlockRows {
    private BlockRows() {}

    public static final int BLOCK = 32;

    /** Bytes per block of {@code format} ({@link WeightRows#Q8_0} or {@link WeightRows#Q4_0}). */
    public static int blockBytes(int format) {
        return format == WeightRows.Q4_0 ? 18 : 34;
    }

    /** Lane {@code lane}'s share (blocks lane, lane + lanes, ...) of {@code row · x}. */
    public static float partialDot(int format, ByteArray w, int row, int cols, FloatArray x, int lane, int lanes) {
        int blockBytes = blockBytes(format);
        int blocks = cols / BLOCK;
        int rowBase = row * blocks * blockBytes;
        float sum = 0f;
        for (int b = lane; b < blocks; b += lanes) {
            int off = rowBase + b * blockBytes;
            float scale = HalfFloats.decode(w.get(off), w.get(off + 1));
            float quantDot = format == WeightRows.Q4_0 ? q4Dot(w, off + 2, x, b * BLOCK) : q8Dot(w, off + 2, x, b * BLOCK);
            sum += scale * quantDot;
        }
        return sum;
    }

    /** Element {@code col} of row {@code row}. */
    public static float get(int format, ByteArray w, int row, int cols, int col) {
        int off = (row * (cols / BLOCK) + col / BLOCK) * blockBytes(format);
        float scale = HalfFloats.decode(w.get(off), w.get(off + 1));
        int within = col % BLOCK;
        int quant = format == WeightRows.Q4_0 ? q4Quant(w, off + 2, within) : w.get(off + 2 + within);
        return scale * quant;
    }

    /** Σ q[i] · x[xBase + i] over the 32 signed bytes at {@code quants}. */
    private static float q8Dot(ByteArray w, int quants, FloatArray x, int xBase) {
        float sum = 0f;
        for (int i = 0; i < BLOCK; i++) {
            sum += w.get(quants + i) * x.get(xBase + i);
        }
        return sum;
    }

    /** Σ (nibble[i] − 8) · x[xBase + i] over the 16 packed bytes at {@code quants}. */
    private static float q4Dot(ByteArray w, int quants, FloatArray x, int xBase) {
        float sum = 0f;
        for (int i = 0; i < BLOCK / 2; i++) {
            int packed = w.get(quants + i);
            int low = (packed & 15) - 8;
            int high = ((packed >> 4) & 15) - 8;
            sum += low * x.get(xBase + i) + high * x.get(xBase + i + BLOCK / 2);
        }
        return sum;
    }

    /** Quant {@code within} (0..31) of the block whose packed bytes start at {@code quants}, minus 8. */
    private static int q4Quant(ByteArray w, int quants, int within) {
        int packed = w.get(quants + within % (BLOCK / 2));
        int nibble = within < BLOCK / 2 ? packed & 15 : (packed >> 4) & 15;
        return nibble - 8;
    }
}
