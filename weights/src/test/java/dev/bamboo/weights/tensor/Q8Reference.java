package dev.bamboo.weights.tensor;

import static org.junit.jupiter.api.Assertions.fail;

/** The reference for quantized dot products: a double-precision sum over {@link Tensor#get} and the Q8_0 activations. */
final class Q8Reference {
    private Q8Reference() {}

    /** Row {@code row} of {@code w} times the dequantized Q8_0 form of {@code x}, and the sum of |terms|. */
    static double[] dot(Tensor w, long row, ActivationVector x) {
        double sum = 0, abs = 0;
        for (int j = 0; j < w.cols(); j++) {
            double term = w.get(row * w.cols() + j) * (x.q8()[j] * (double) x.q8Scales()[j / 32]);
            sum += term;
            abs += Math.abs(term);
        }
        return new double[] {sum, abs};
    }

    /** {@code actual} within float rounding of the reference: 1e-5 of the sum of |terms|. */
    static void assertClose(double[] expected, float actual, String what) {
        double tolerance = 1e-5 * expected[1] + 1e-30;
        if (Math.abs(expected[0] - actual) > tolerance) fail(what + ": expected " + expected[0] + " got " + actual);
    }
}
