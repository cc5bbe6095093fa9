package dev.bamboo.weights.tensor;

/**
 * A batch's row accumulation ({@link Tensor#accumulateRows}) taken in chunks of rows small enough to stay in cache
 * while every token takes its terms from them: per chunk and token, the terms with a nonzero coefficient, in list order.
 *
 * <p>A chunk is the list's entries whose rows lie in one range of {@code chunkRows} consecutive row indices, not a
 * fixed number of list entries: a token's terms in a chunk are then its own nonzero rows of that range, whichever other
 * tokens share the batch. Kernels that quantize a token's coefficients in blocks of its terms (the repacked types) thus
 * give a token the same sums in any batch; counted by list entries, the chunks moved with the union of the batch's
 * active rows, and a repacked Q4_0 token's logits with its batch-mates (0.1–0.4 on the demo's Q4_0 file).
 */
final class TermChunks {
    private TermChunks() {}

    /** Receives one token's nonzero terms of one chunk: {@code rows[0 .. count)} with {@code coeffs[0 .. count)}. */
    @FunctionalInterface
    interface Terms {
        void apply(int token, int[] rows, float[] coeffs, int count);
    }

    /**
     * Hands {@code terms} each token's nonzero terms of each chunk, chunk by chunk: the runs of list entries whose rows
     * lie in the same range of {@code chunkRows} row indices (a sorted list of distinct rows gives each range one run of
     * at most {@code chunkRows} entries).
     */
    static void forEach(int[] rows, int count, float[][] coeffs, int tokens, int chunkRows, Terms terms) {
        int[] termRows = new int[Math.min(count, chunkRows)];
        float[] termCoeffs = new float[termRows.length];
        for (int c = 0, end; c < count; c = end) {
            int range = rows[c] / chunkRows;
            end = c + 1;
            while (end < count && end - c < chunkRows && rows[end] / chunkRows == range) end++;
            for (int t = 0; t < tokens; t++) {
                int n = 0;
                for (int k = c; k < end; k++) {
                    float a = coeffs[t][rows[k]];
                    if (a == 0f) continue;
                    termRows[n] = rows[k];
                    termCoeffs[n++] = a;
                }
                if (n > 0) terms.apply(t, termRows, termCoeffs, n);
            }
        }
    }
}
