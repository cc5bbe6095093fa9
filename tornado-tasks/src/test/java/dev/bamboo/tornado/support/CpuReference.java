package dev.bamboo.tornado.support;

import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.tensor.Tensor;

/**
 * Plain CPU forms of what the kernels compute, in double precision over weights decoded by the weights module's
 * own scalar {@link Tensor#get} path. Each also returns an error scale (the sum of absolute terms) for tolerances.
 */
public final class CpuReference {
    private CpuReference() {}

    /** Decoded row r of w. */
    public static float[] row(Tensor w, int r) {
        float[] v = new float[w.cols()];
        w.dequantizeRow(r, v, 0);
        return v;
    }

    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    public static double absDot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += Math.abs((double) a[i] * b[i]);
        return s;
    }

    public static double[] matvec(Tensor w, float[] x) {
        double[] out = new double[(int) w.rows()];
        for (int r = 0; r < out.length; r++) out[r] = dot(row(w, r), x);
        return out;
    }

    public static double[] absMatvec(Tensor w, float[] x) {
        double[] out = new double[(int) w.rows()];
        for (int r = 0; r < out.length; r++) out[r] = absDot(row(w, r), x);
        return out;
    }

    public static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    public static double rmsNormFactor(float[] x, int from, int n, float eps) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) x[from + i] * x[from + i];
        return 1.0 / Math.sqrt(s / n + eps);
    }

    /** Neuron value with the weights module's own activation. */
    public static float combine(FfnKind kind, double gate, double up) {
        return kind.combine((float) gate, (float) up);
    }
}
