package dev.bamboo.weights.tensor;

/**
 * A batch's row accumulation ({@link Tensor#accumulateRows}) taken in chunks of rows small enough to stay in cache
 * while every token takes its terms from them: per chunk and token, the terms with a nonzero coefficient, in row order.
 */
final class TermChunks {
    private TermChunks() {}

    /** Receives one token's nonzero terms of one chunk: {@code rows[0 .. count)} with {@code coeffs[0 .. count)}. */
    @FunctionalInterface
    interface Terms {
        void apply(int token, int[] rows, float[] coeffs, int count);
    }

    /** Hands {@code terms} each token's nonzero terms of each chunk of {@code chunk} list entries, chunk by chunk. */
    static void forEach(int[] rows, int count, float[][] coeffs, int tokens, int chunk, Terms terms) {
        int[] termRows = new int[Math.min(count, chunk)];
        float[] termCoeffs = new float[termRows.length];
        for (int c = 0; c < count; c += chunk) {
            int end = Math.min(count, c + chunk);
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
