package dev.bamboo.runtime.forward;

import dev.bamboo.weights.tensor.Tensor;

/** Small float-array primitives of the forward pass. The norm's sum runs in double: it is short, and the references are float64. */
public final class VectorMath {
    private VectorMath() {}

    /** {@code out = x / rms(x) · weight}. */
    public static void rmsNorm(float[] out, float[] x, Tensor weight, int n, float eps) {
        // four sums: one chain of dependent double adds would take most of the norm's time
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i <= n - 4; i += 4) {
            s0 += (double) x[i] * x[i];
            s1 += (double) x[i + 1] * x[i + 1];
            s2 += (double) x[i + 2] * x[i + 2];
            s3 += (double) x[i + 3] * x[i + 3];
        }
        for (; i < n; i++) s0 += (double) x[i] * x[i];
        double ss = (s0 + s1) + (s2 + s3);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (i = 0; i < n; i++) out[i] = x[i] * inv * weight.get(i);
    }

    /** {@code y[i] += x[i]}. */
    public static void addInPlace(float[] y, float[] x, int n) {
        for (int i = 0; i < n; i++) y[i] += x[i];
    }
}
