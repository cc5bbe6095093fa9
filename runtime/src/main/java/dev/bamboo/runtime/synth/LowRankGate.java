package dev.bamboo.runtime.synth;

/**
 * One layer's gate projection as a product {@code gate = A · B} (A [ffn, r], B [r, hidden]) and the PowerInfer
 * predictor that reproduces it exactly: {@code fc1 = [B; −B]}, {@code fc2 = [A, −A]}, so
 * {@code fc2 · relu(fc1 · h) = A·relu(B·h) − A·relu(−B·h) = A·B·h = gate · h}. With a positive constant
 * {@code ffn_norm}, the FFN input is a positive multiple of {@code h}, so a neuron scoring above a threshold
 * {@code t ≥ 0} has a positive gate: every predicted neuron is truly active (up to quantization rounding).
 *
 * <p>Entries of A have standard deviation 1/√r and those of B 1/√hidden, so for an input of unit RMS the gate
 * values have unit standard deviation. A rows are generated on demand; B (r × hidden floats) is built once per layer.
 */
final class LowRankGate {
    private final long seed;
    private final int layer;
    private final int rank;
    private final int hidden;
    private volatile float[] b; // [rank * hidden], row-major

    LowRankGate(long seed, int layer, int rank, int hidden) {
        this.seed = seed;
        this.layer = layer;
        this.rank = rank;
        this.hidden = hidden;
    }

    int rank() {
        return rank;
    }

    /** Row {@code i} of A. */
    void aRow(long i, float[] dst) {
        RandomRows.uniform(RandomRows.stream(seed, "blk." + layer + ".A", i), (float) (1 / Math.sqrt(rank)), dst, 0, rank);
    }

    /** Row {@code k} of B. */
    void bRow(long k, float[] dst, int off) {
        RandomRows.uniform(RandomRows.stream(seed, "blk." + layer + ".B", k), (float) (1 / Math.sqrt(hidden)), dst, off, hidden);
    }

    private float[] b() {
        float[] m = b;
        if (m == null) {
            synchronized (this) {
                m = b;
                if (m == null) {
                    m = new float[rank * hidden];
                    for (int k = 0; k < rank; k++) bRow(k, m, k * hidden);
                    b = m;
                }
            }
        }
        return m;
    }

    /** Gate row {@code i} = Σ_k A[i,k] · B[k]. */
    void gateRow(long i, float[] dst) {
        float[] a = new float[rank];
        aRow(i, a);
        float[] m = b();
        java.util.Arrays.fill(dst, 0, hidden, 0f);
        for (int k = 0; k < rank; k++) {
            float ak = a[k];
            int base = k * hidden;
            for (int j = 0; j < hidden; j++) dst[j] += ak * m[base + j]; // vectorized by the JIT
        }
    }

    /** Predictor fc1 row {@code k} of 2r: B[k], then −B[k − r]. */
    void fc1Row(long k, float[] dst) {
        if (k < rank) {
            bRow(k, dst, 0);
        } else {
            bRow(k - rank, dst, 0);
            for (int j = 0; j < hidden; j++) dst[j] = -dst[j];
        }
    }

    /** Predictor fc2 row {@code i}: [A[i], −A[i]]. */
    void fc2Row(long i, float[] dst) {
        aRow(i, dst);
        for (int k = 0; k < rank; k++) dst[rank + k] = -dst[k];
    }
}
