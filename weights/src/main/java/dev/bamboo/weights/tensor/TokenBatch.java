package dev.bamboo.weights.tensor;

/**
 * The loop order of a batched product ({@link Tensor#matmul}): rows in tiles small enough to stay in cache, and
 * within a tile tokens in groups of four, so a weight row is read from memory once per call and widened once per
 * four tokens. Every output is computed by the same per-row kernel whatever the range, so results do not depend on
 * how rows are split across threads.
 */
final class TokenBatch {
    private TokenBatch() {}

    /** About half of a core's L2: the weights of one row tile. */
    private static final long TILE_BYTES = 256 * 1024;

    /** One row against tokens {@code firstToken .. firstToken+4)}: results into {@code scratch[0 .. 4)}. */
    @FunctionalInterface
    interface FourTokens {
        void apply(int row, int firstToken, float[] scratch);
    }

    /** One row, one token: the single-token kernel. */
    @FunctionalInterface
    interface OneToken {
        float apply(int row, int token);
    }

    static void run(int from, int to, int tokens, long rowBytes, float[][] outs, FourTokens four, OneToken one) {
        int tile = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TILE_BYTES / Math.max(1, rowBytes)));
        float[] scratch = new float[4];
        for (int r0 = from; r0 < to; r0 += tile) {
            int r1 = Math.min(to, r0 + tile);
            int t = 0;
            for (; t + 4 <= tokens; t += 4) {
                for (int r = r0; r < r1; r++) {
                    four.apply(r, t, scratch);
                    outs[t][r] = scratch[0];
                    outs[t + 1][r] = scratch[1];
                    outs[t + 2][r] = scratch[2];
                    outs[t + 3][r] = scratch[3];
                }
            }
            for (; t < tokens; t++) {
                for (int r = r0; r < r1; r++) outs[t][r] = one.apply(r, t);
            }
        }
    }
}
