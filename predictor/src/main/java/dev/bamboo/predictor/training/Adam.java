package dev.bamboo.predictor.training;

/** Adam's moments for one parameter array, and its update (Kingma and Ba, with bias correction). */
final class Adam {
    private static final float BETA1 = 0.9f, BETA2 = 0.999f, EPSILON = 1e-8f;
    private final float[] m;
    private final float[] v;
    private int steps;

    Adam(int size) {
        m = new float[size];
        v = new float[size];
    }

    /** One step of {@code rate} on {@code params} along {@code grad}. */
    void step(float[] params, float[] grad, float rate) {
        steps++;
        float c1 = 1 - (float) Math.pow(BETA1, steps), c2 = 1 - (float) Math.pow(BETA2, steps);
        float a = rate / c1;
        for (int i = 0; i < params.length; i++) {
            float g = grad[i];
            m[i] = BETA1 * m[i] + (1 - BETA1) * g;
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
            params[i] -= a * m[i] / ((float) Math.sqrt(v[i] / c2) + EPSILON);
        }
    }
}
