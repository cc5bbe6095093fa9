package dev.bamboo.tornado.memory;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Device scratch of flash-decoding attention: per (head, KV block) the unnormalized output, the score maximum and
 * the softmax denominator. Sized for the whole cache, so one allocation serves every position.
 *
 * @param blockSize KV positions per block (the lanes of the partial kernel)
 */
public record AttentionScratch(FloatArray partialOut, FloatArray partialMax, FloatArray partialSum, int heads, int headDim,
                               int blockSize, int maxBlocks) {

    public static AttentionScratch allocate(int heads, int headDim, int cacheLength, int blockSize) {
        int maxBlocks = (cacheLength + blockSize - 1) / blockSize;
        return new AttentionScratch(new FloatArray(heads * maxBlocks * headDim), new FloatArray(heads * maxBlocks),
                new FloatArray(heads * maxBlocks), heads, headDim, blockSize, maxBlocks);
    }

    /** The arrays, for {@code transferToDevice}. */
    public Object[] arrays() {
        return new Object[] {partialOut, partialMax, partialSum};
    }
}
