package dev.bamboo.runtime.forward;

import dev.bamboo.weights.model.RopeLayout;

/**
 * Rotary position embedding: dimension pair j of a head is rotated by {@code pos · base^(-2j/headDim)}.
 * Which dimensions form pair j depends on the layout the weights were stored for: Hugging Face pairs
 * {@code (j, j + headDim/2)}, GGUF pairs {@code (2j, 2j + 1)} (its converters permute q/k rows to match).
 */
public final class Rope {
    private final RopeLayout layout;
    private final int headDim;
    private final float[] cos;
    private final float[] sin;

    public Rope(RopeLayout layout, int headDim, float base, int maxPositions) {
        this.layout = layout;
        this.headDim = headDim;
        int half = headDim / 2;
        int size = Math.toIntExact((long) maxPositions * half);
        this.cos = new float[size];
        this.sin = new float[size];
        double[] freq = new double[half];
        for (int j = 0; j < half; j++) freq[j] = Math.pow(base, -2.0 * j / headDim);
        for (int p = 0; p < maxPositions; p++) {
            for (int j = 0; j < half; j++) {
                double angle = p * freq[j];
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code v} for position {@code pos}. */
    public void apply(float[] v, int heads, int pos) {
        int half = headDim / 2;
        int table = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = h * headDim;
            for (int j = 0; j < half; j++) {
                int a, b;
                if (layout == RopeLayout.ROTATE_HALF) {
                    a = base + j;
                    b = base + j + half;
                } else {
                    a = base + 2 * j;
                    b = a + 1;
                }
                float c = cos[table + j], s = sin[table + j];
                float x0 = v[a], x1 = v[b];
                v[a] = x0 * c - x1 * s;
                v[b] = x0 * s + x1 * c;
            }
        }
    }
}
