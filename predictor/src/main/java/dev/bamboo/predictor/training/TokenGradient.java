package dev.bamboo.predictor.training;

import dev.bamboo.weights.tensor.FloatArrays;

/**
 * One token's share of the training loss and of its gradient. With {@code x = scale · h}, {@code z = W1 · x},
 * {@code s = W2 · relu(z)} and label {@code y_i} (neuron i active):
 * <pre>
 *   loss  = norm · Σ_i w_i · BCE(σ(s_i), y_i)            w_i = positiveWeight if y_i else 1
 *   ∂s_i  = norm · w_i · (σ(s_i) − y_i)
 *   ∂W2   = ∂s ⊗ relu(z)        ∂z = (W2ᵀ · ∂s) ⊙ [z > 0]        ∂W1 = ∂z ⊗ x
 * </pre>
 * {@code W2} is held transposed ({@code w2t}, [rank, ffn]): every product with the sparse {@code relu(z)} is then a
 * row update that skips its zeros. Scratch is reused: one instance per thread.
 */
final class TokenGradient {
    private final int rank, hidden, ffn;
    private final float scale, positiveWeight;
    private final float[] z;
    private final float[] ds;

    TokenGradient(int rank, int hidden, int ffn, float scale, float positiveWeight) {
        this.rank = rank;
        this.hidden = hidden;
        this.ffn = ffn;
        this.scale = scale;
        this.positiveWeight = positiveWeight;
        this.z = new float[rank];
        this.ds = new float[ffn];
    }

    /**
     * Adds token {@code token}'s gradient, times {@code norm}, to {@code g1} and {@code g2t}; returns its weighted
     * loss (not times {@code norm}) when {@code withLoss}, else 0. Its residual is {@code inputs[hOff, hOff + hidden)}.
     */
    double add(float[] w1, float[] w2t, float[] inputs, int hOff, LayerSamples samples, int token, float norm, float[] g1, float[] g2t, boolean withLoss) {
        for (int k = 0; k < rank; k++) z[k] = scale * FloatArrays.dot(w1, k * hidden, inputs, hOff, hidden);
        java.util.Arrays.fill(ds, 0f);
        for (int k = 0; k < rank; k++) if (z[k] > 0) FloatArrays.axpy(z[k], w2t, k * ffn, ds, 0, ffn);
        double loss = 0;
        for (int i = 0; i < ffn; i++) {
            float s = ds[i];
            boolean y = samples.active(token, i);
            // σ(s) and log(1 + e^−|s|) from one exponential that cannot overflow
            float e = (float) Math.exp(-Math.abs(s));
            float p = s >= 0 ? 1 / (1 + e) : e / (1 + e);
            float w = y ? positiveWeight : 1f;
            if (withLoss) loss += w * (Math.log1p(e) + Math.max(y ? -s : s, 0));
            ds[i] = (p - (y ? 1f : 0f)) * w * norm;
        }
        for (int k = 0; k < rank; k++) {
            if (z[k] <= 0) continue; // relu passes no gradient to W1, and W2's column k met a zero
            float dz = FloatArrays.dot(ds, 0, w2t, k * ffn, ffn);
            FloatArrays.axpy(z[k], ds, 0, g2t, k * ffn, ffn);
            FloatArrays.axpy(dz * scale, inputs, hOff, g1, k * hidden, hidden);
        }
        return loss;
    }
}
