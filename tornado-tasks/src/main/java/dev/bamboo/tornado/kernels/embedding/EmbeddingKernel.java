package dev.bamboo.tornado.kernels.embedding;

import dev.bamboo.tornado.kernels.formats.F16Rows;
import dev.bamboo.tornado.kernels.formats.F32Rows;
import dev.bamboo.tornado.kernels.formats.Q4_0Rows;
import dev.bamboo.tornado.kernels.formats.Q8_0Rows;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The token embedding on the device: {@code x = table[token[0]]}, dequantized. The token id is uploaded each step
 * (4 bytes) instead of the embedding row. Launch {@code Launch.covering(cols, lanes)}, one element per work-item.
 */
public final class EmbeddingKernel {
    private EmbeddingKernel() {}

    public static void f32(KernelContext ctx, FloatArray table, IntArray token, FloatArray x, int cols) {
        int j = ctx.globalIdx;
        if (j < cols) {
            x.set(j, F32Rows.get(table, token.get(0), cols, j));
        }
    }

    public static void f16(KernelContext ctx, ByteArray table, IntArray token, FloatArray x, int cols) {
        int j = ctx.globalIdx;
        if (j < cols) {
            x.set(j, F16Rows.get(table, token.get(0), cols, j));
        }
    }

    public static void q8_0(KernelContext ctx, ByteArray table, IntArray token, FloatArray x, int cols) {
        int j = ctx.globalIdx;
        if (j < cols) {
            x.set(j, Q8_0Rows.get(table, token.get(0), cols, j));
        }
    }

    public static void q4_0(KernelContext ctx, ByteArray table, IntArray token, FloatArray x, int cols) {
        int j = ctx.globalIdx;
        if (j < cols) {
            x.set(j, Q4_0Rows.get(table, token.get(0), cols, j));
        }
    }
}
