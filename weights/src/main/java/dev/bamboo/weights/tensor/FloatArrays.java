package dev.bamboo.weights.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.bamboo.weights.tensor.Simd.F;
import static dev.bamboo.weights.tensor.Simd.I;
import static dev.bamboo.weights.tensor.Simd.L;

/**
 * Vector primitives over plain float arrays (activations, the KV cache). Sums are formed in a fixed order (lane-wise,
 * then {@link Simd#sum}), so a result never depends on which thread, or which compilation tier, computes it.
 */
public final class FloatArrays {
    private FloatArrays() {}

    /**
     * {@code a[aOff..] · b[bOff..]} over {@code n} values (attention scores). Vectorised: a plain loop is one serial
     * chain of float adds, which C2 may not reorder, and made attention a sixth of the decode time at a few hundred
     * positions.
     */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int j = 0;
        float sum = 0f;
        if (L >= 4) {
            FloatVector acc = FloatVector.zero(F);
            for (; j <= n - L; j += L) acc = FloatVector.fromArray(F, a, aOff + j).fma(FloatVector.fromArray(F, b, bOff + j), acc);
            sum = Simd.sum(acc);
        }
        for (; j < n; j++) sum += a[aOff + j] * b[bOff + j];
        return sum;
    }

    /**
     * {@code y[yOff + j] += a · x[xOff + j]} for {@code j < n}: the rank-one updates of predictor training. Each value
     * is one fused multiply-add, so vector lanes and the scalar tail give the same results.
     */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int j = 0;
        if (L >= 4) {
            FloatVector s = FloatVector.broadcast(F, a);
            for (; j <= n - L; j += L) FloatVector.fromArray(F, x, xOff + j).fma(s, FloatVector.fromArray(F, y, yOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) y[yOff + j] = Math.fma(x[xOff + j], a, y[yOff + j]);
    }

    /**
     * {@code scores[i][sOff + r] = scale · (q[qOff + i · n..] · keys[kOff + r · n..])} over {@code n} values, for
     * {@code i < queries} and {@code r < rows}: the attention scores of the query heads that share a KV head, against
     * consecutive key rows. Each key row is loaded once for four queries at a time, so the keys stream from memory
     * once, at the pace of four queries' arithmetic (four independent sums); every sum is formed as {@link #dot}
     * forms it, so the results are bitwise {@code dot(…) · scale}.
     */
    public static void scaledDots(float[] q, int qOff, int queries, float[] keys, int kOff, int rows, int n, float scale, float[][] scores, int sOff) {
        int i = 0;
        if (L >= 4) {
            int vectorEnd = n - n % L;
            for (; i <= queries - 4; i += 4) {
                int q0 = qOff + i * n, q1 = q0 + n, q2 = q1 + n, q3 = q2 + n;
                float[] out0 = scores[i], out1 = scores[i + 1], out2 = scores[i + 2], out3 = scores[i + 3];
                for (int r = 0, k = kOff; r < rows; r++, k += n) {
                    FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
                    for (int j = 0; j < vectorEnd; j += L) {
                        FloatVector key = FloatVector.fromArray(F, keys, k + j);
                        c0 = FloatVector.fromArray(F, q, q0 + j).fma(key, c0);
                        c1 = FloatVector.fromArray(F, q, q1 + j).fma(key, c1);
                        c2 = FloatVector.fromArray(F, q, q2 + j).fma(key, c2);
                        c3 = FloatVector.fromArray(F, q, q3 + j).fma(key, c3);
                    }
                    float s0 = Simd.sum(c0), s1 = Simd.sum(c1), s2 = Simd.sum(c2), s3 = Simd.sum(c3);
                    for (int j = vectorEnd; j < n; j++) {
                        float key = keys[k + j];
                        s0 += q[q0 + j] * key;
                        s1 += q[q1 + j] * key;
                        s2 += q[q2 + j] * key;
                        s3 += q[q3 + j] * key;
                    }
                    out0[sOff + r] = s0 * scale;
                    out1[sOff + r] = s1 * scale;
                    out2[sOff + r] = s2 * scale;
                    out3[sOff + r] = s3 * scale;
                }
            }
        }
        for (; i < queries; i++) {
            for (int r = 0; r < rows; r++) scores[i][sOff + r] = dot(q, qOff + i * n, keys, kOff + r * n, n) * scale;
        }
    }

    /**
     * {@link #addWeightedRows} for {@code heads} outputs at once, {@code out[outOff + h · n..]} with weights {@code
     * weights[h][wOff..]}, over the same rows (the query heads of one KV head, over its value rows): four vectors of
     * each row are loaded once for four heads at a time, whose sums stay in registers (16 of them; where the vector
     * unit has fewer registers they spill, at about the old speed). Every output value adds the rows in order as
     * {@link #addWeightedRows} does, so the results are bitwise the same.
     */
    public static void addWeightedRows(float[] out, int outOff, int heads, int n, float[][] weights, int wOff, int count, float[] rows, int rowOff, int rowStride) {
        int h = 0;
        if (L >= 4) {
            int chunkEnd = n - n % (4 * L);
            for (; h <= heads - 4; h += 4) {
                float[] w0 = weights[h], w1 = weights[h + 1], w2 = weights[h + 2], w3 = weights[h + 3];
                int o0 = outOff + h * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
                for (int d = 0; d < chunkEnd; d += 4 * L) {
                    FloatVector a0 = FloatVector.fromArray(F, out, o0 + d), b0 = FloatVector.fromArray(F, out, o0 + d + L);
                    FloatVector c0 = FloatVector.fromArray(F, out, o0 + d + 2 * L), e0 = FloatVector.fromArray(F, out, o0 + d + 3 * L);
                    FloatVector a1 = FloatVector.fromArray(F, out, o1 + d), b1 = FloatVector.fromArray(F, out, o1 + d + L);
                    FloatVector c1 = FloatVector.fromArray(F, out, o1 + d + 2 * L), e1 = FloatVector.fromArray(F, out, o1 + d + 3 * L);
                    FloatVector a2 = FloatVector.fromArray(F, out, o2 + d), b2 = FloatVector.fromArray(F, out, o2 + d + L);
                    FloatVector c2 = FloatVector.fromArray(F, out, o2 + d + 2 * L), e2 = FloatVector.fromArray(F, out, o2 + d + 3 * L);
                    FloatVector a3 = FloatVector.fromArray(F, out, o3 + d), b3 = FloatVector.fromArray(F, out, o3 + d + L);
                    FloatVector c3 = FloatVector.fromArray(F, out, o3 + d + 2 * L), e3 = FloatVector.fromArray(F, out, o3 + d + 3 * L);
                    for (int j = 0, r = rowOff + d; j < count; j++, r += rowStride) {
                        FloatVector v0 = FloatVector.fromArray(F, rows, r), v1 = FloatVector.fromArray(F, rows, r + L);
                        FloatVector v2 = FloatVector.fromArray(F, rows, r + 2 * L), v3 = FloatVector.fromArray(F, rows, r + 3 * L);
                        FloatVector x = FloatVector.broadcast(F, w0[wOff + j]);
                        a0 = v0.fma(x, a0); b0 = v1.fma(x, b0); c0 = v2.fma(x, c0); e0 = v3.fma(x, e0);
                        x = FloatVector.broadcast(F, w1[wOff + j]);
                        a1 = v0.fma(x, a1); b1 = v1.fma(x, b1); c1 = v2.fma(x, c1); e1 = v3.fma(x, e1);
                        x = FloatVector.broadcast(F, w2[wOff + j]);
                        a2 = v0.fma(x, a2); b2 = v1.fma(x, b2); c2 = v2.fma(x, c2); e2 = v3.fma(x, e2);
                        x = FloatVector.broadcast(F, w3[wOff + j]);
                        a3 = v0.fma(x, a3); b3 = v1.fma(x, b3); c3 = v2.fma(x, c3); e3 = v3.fma(x, e3);
                    }
                    a0.intoArray(out, o0 + d); b0.intoArray(out, o0 + d + L); c0.intoArray(out, o0 + d + 2 * L); e0.intoArray(out, o0 + d + 3 * L);
                    a1.intoArray(out, o1 + d); b1.intoArray(out, o1 + d + L); c1.intoArray(out, o1 + d + 2 * L); e1.intoArray(out, o1 + d + 3 * L);
                    a2.intoArray(out, o2 + d); b2.intoArray(out, o2 + d + L); c2.intoArray(out, o2 + d + 2 * L); e2.intoArray(out, o2 + d + 3 * L);
                    a3.intoArray(out, o3 + d); b3.intoArray(out, o3 + d + L); c3.intoArray(out, o3 + d + 2 * L); e3.intoArray(out, o3 + d + 3 * L);
                }
                // the rest of each row, head by head (each value's sum is the same whichever loop forms it)
                for (int k = 0; k < 4 && chunkEnd < n; k++) {
                    addWeightedRows(out, outOff + (h + k) * n + chunkEnd, n - chunkEnd, weights[h + k], wOff, count, rows, rowOff + chunkEnd, rowStride);
                }
            }
        }
        for (; h < heads; h++) addWeightedRows(out, outOff + h * n, n, weights[h], wOff, count, rows, rowOff, rowStride);
    }

    /**
     * {@code out[outOff + d] += Σ_{j < count} weights[wOff + j] · rows[rowOff + j · rowStride + d]} for {@code d < n}:
     * attention's weighted sum of value rows, which may come in several calls over consecutive runs of rows. Four
     * vectors of the output stay in registers while every row adds to them, so there is no chain of stores and reloads
     * through {@code out} from one row to the next; each output value adds the rows in order {@code j = 0, 1, …}, so a
     * sum taken in runs is bitwise the sum taken at once.
     */
    public static void addWeightedRows(float[] out, int outOff, int n, float[] weights, int wOff, int count, float[] rows, int rowOff, int rowStride) {
        int d = 0;
        if (L >= 4) {
            for (; d <= n - 4 * L; d += 4 * L) {
                FloatVector a0 = FloatVector.fromArray(F, out, outOff + d), a1 = FloatVector.fromArray(F, out, outOff + d + L);
                FloatVector a2 = FloatVector.fromArray(F, out, outOff + d + 2 * L), a3 = FloatVector.fromArray(F, out, outOff + d + 3 * L);
                for (int j = 0, r = rowOff + d; j < count; j++, r += rowStride) {
                    FloatVector w = FloatVector.broadcast(F, weights[wOff + j]);
                    a0 = FloatVector.fromArray(F, rows, r).fma(w, a0);
                    a1 = FloatVector.fromArray(F, rows, r + L).fma(w, a1);
                    a2 = FloatVector.fromArray(F, rows, r + 2 * L).fma(w, a2);
                    a3 = FloatVector.fromArray(F, rows, r + 3 * L).fma(w, a3);
                }
                a0.intoArray(out, outOff + d);
                a1.intoArray(out, outOff + d + L);
                a2.intoArray(out, outOff + d + 2 * L);
                a3.intoArray(out, outOff + d + 3 * L);
            }
            for (; d <= n - L; d += L) {
                FloatVector a = FloatVector.fromArray(F, out, outOff + d);
                for (int j = 0, r = rowOff + d; j < count; j++, r += rowStride) a = FloatVector.fromArray(F, rows, r).fma(FloatVector.broadcast(F, weights[wOff + j]), a);
                a.intoArray(out, outOff + d);
            }
        }
        for (; d < n; d++) {
            float sum = out[outOff + d];
            for (int j = 0; j < count; j++) sum = Math.fma(rows[rowOff + j * rowStride + d], weights[wOff + j], sum);
            out[outOff + d] = sum;
        }
    }

    /**
     * Softmax of {@code x[0, n)} in place: {@code x_i ← e^(x_i − max) / Σ_j e^(x_j − max)}, attention's weights. The
     * exponentials run on vector lanes ({@link #expOfNonPositive}): {@link Math#exp}, one call per value, took a third
     * of attention's time at a few thousand positions. The sum is formed lane-wise, then across the lanes, then the
     * tail, so a result depends only on {@code n} and the values.
     */
    public static void softmaxInPlace(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (L >= 4) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i <= n - L; i += L) m = m.max(FloatVector.fromArray(F, x, i));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) max = Math.max(max, x[i]);
        float sum = 0f;
        i = 0;
        if (L >= 4) {
            FloatVector s = FloatVector.zero(F);
            for (; i <= n - L; i += L) {
                FloatVector e = expOfNonPositive(FloatVector.fromArray(F, x, i).sub(max));
                e.intoArray(x, i);
                s = s.add(e);
            }
            sum = Simd.sum(s);
        }
        for (; i < n; i++) {
            x[i] = expOfNonPositive(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        i = 0;
        if (L >= 4) {
            for (; i <= n - L; i += L) FloatVector.fromArray(F, x, i).mul(inv).intoArray(x, i);
        }
        for (; i < n; i++) x[i] *= inv;
    }

    // e^x = 2^k · e^r with k = round(x / ln 2) and |r| ≤ ln 2 / 2; e^r by Cephes' degree-7 polynomial (within 2 ulp of
    // e^x). k comes out of the float addition of 1.5 · 2^23, whose last mantissa bits then hold it as an integer.
    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** Below this e^x is under the smallest normal float: 0 is returned. */
    private static final float LOWEST = -87.33654f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** {@code e^x} on each lane, for {@code x ≤ 0} (a NaN stays NaN). */
    static FloatVector expOfNonPositive(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector k = t.sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1).fma(r, FloatVector.broadcast(F, P2)).fma(r, FloatVector.broadcast(F, P3))
                .fma(r, FloatVector.broadcast(F, P4)).fma(r, FloatVector.broadcast(F, P5));
        p = p.fma(r.mul(r), r).add(1f);
        FloatVector scale = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale).blend(0f, x.lt(LOWEST));
    }

    /** {@code e^x} for {@code x ≤ 0}, bitwise as a lane of {@link #expOfNonPositive(FloatVector)} gives it. */
    static float expOfNonPositive(float x) {
        if (x < LOWEST) return 0f;
        float t = Math.fma(x, LOG2E, ROUND);
        float k = t - ROUND;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4), r, P5);
        p = Math.fma(p, r * r, r) + 1f;
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUND_BITS - 127)) << 23);
    }

    /**
     * Writes the ascending indices {@code i < n} with {@code v[i] ≥ threshold} to {@code out} (length at least {@code
     * n}) and returns their count: the neurons a predictor selects. A NaN is not listed.
     */
    public static int indicesAtLeast(float[] v, int n, float threshold, int[] out) {
        return indices(v, n, VectorOperators.GE, threshold, false, out);
    }

    /**
     * Writes the ascending indices {@code i < n} whose {@code v[i]} is not at or below {@code cutoff} to {@code out}
     * (length at least {@code n}) and returns their count: the neurons whose gate passes a ReLU. A NaN is listed, as a
     * NaN gate gives a NaN neuron ({@code FfnKind}).
     */
    public static int indicesAbove(float[] v, int n, float cutoff, int[] out) {
        return indices(v, n, VectorOperators.LE, cutoff, true, out);
    }

    /**
     * The indices {@code i < n} where {@code v[i] test threshold} is true ({@code negate}: false). Lane masks compress
     * the indices of a whole vector at once: no branch per value, which a scattered 15 % of hits would mispredict about
     * as often as not.
     */
    private static int indices(float[] v, int n, VectorOperators.Comparison test, float threshold, boolean negate, int[] out) {
        if (out.length < n) throw new IllegalArgumentException("room for " + out.length + " indices, " + n + " needed");
        int count = 0, i = 0;
        if (L >= 4 && I.length() == L) {
            IntVector index = IntVector.zero(I).addIndex(1);
            for (; i <= n - L; i += L, index = index.add(L)) {
                VectorMask<Float> compared = FloatVector.fromArray(F, v, i).compare(test, threshold);
                VectorMask<Integer> hit = (negate ? compared.not() : compared).cast(I);
                // count <= i, so the whole vector fits below n
                index.compress(hit).intoArray(out, count);
                count += hit.trueCount();
            }
        }
        for (; i < n; i++) {
            boolean passes = test == VectorOperators.GE ? v[i] >= threshold : v[i] <= threshold;
            if (passes != negate) out[count++] = i;
        }
        return count;
    }
}
