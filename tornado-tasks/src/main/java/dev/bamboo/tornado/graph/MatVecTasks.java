package dev.bamboo.tornado.graph;

import dev.bamboo.tornado.kernels.matvec.MatVec;
import dev.bamboo.tornado.memory.DeviceMatrix;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** Adds the matrix-vector kernel, specialized to a weight's format, to a plan. */
public final class MatVecTasks {
    private MatVecTasks() {}

    /** Task {@code id}: {@code out = relu? max(0, W·x) : W·x}, one work-group of {@code lanes} per row. */
    public static void matvec(KernelPlan plan, String id, DeviceMatrix w, FloatArray x, FloatArray out, boolean relu, int lanes) {
        plan.graph().task(id, MatVec::matvec, plan.context(), w.bytes(), w.floats(), x, out, w.cols(), w.kernelFormat(), relu ? 1 : 0);
        plan.launch(id, Launch.perGroup(w.rows(), lanes));
    }
}
