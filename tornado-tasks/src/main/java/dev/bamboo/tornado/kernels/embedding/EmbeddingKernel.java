package dev.bamboo.tornado.kernels.embedding;

import dev.bamboo.tornado.kernels.formats.WeightRows;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The token embedding on the device: {@code x = table[token[0]]}, dequantized. The token id is uploaded each step
 * (4 bytes) instead of the embedding row.
 */
public final class EmbeddingKernel {
    private EmbeddingKernel() {}

    /**
     * {@code tableBytes}/{@code tableFloats}/{@code format}: the table as {@link WeightRows} reads it.
     * Launch {@code Launch.covering(cols, lanes)}, one element per work-item.
     */
    public static void embed(KernelContext ctx, ByteArray tableBytes, FloatArray tableFloats, IntArray token, FloatArray x, int cols, int format) {
        int j = ctx.globalIdx;
        if (j < cols) {
            x.set(j, WeightRows.get(format, tableBytes, tableFloats, token.get(0), cols, j));
        }
    }
}
