package dev.bamboo.tornado.graph;

import dev.bamboo.tornado.kernels.matvec.F16MatVec;
import dev.bamboo.tornado.kernels.matvec.F32MatVec;
import dev.bamboo.tornado.kernels.matvec.Q4_0MatVec;
import dev.bamboo.tornado.kernels.matvec.Q8_0MatVec;
import dev.bamboo.tornado.memory.DeviceMatrix;
import dev.bamboo.weights.BambooException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** Adds the matrix-vector kernel for a weight's format to a plan. */
public final class MatVecTasks {
    private MatVecTasks() {}

    /** Task {@code id}: {@code out = relu? max(0, W·x) : W·x}, one work-group of {@code lanes} per row. */
    public static void matvec(KernelPlan plan, String id, DeviceMatrix w, FloatArray x, FloatArray out, boolean relu, int lanes) {
        int r = relu ? 1 : 0;
        var ctx = plan.context();
        switch (w.format()) {
            case F32 -> plan.graph().task(id, F32MatVec::matvec, ctx, w.floats(), x, out, w.cols(), r);
            case F16 -> plan.graph().task(id, F16MatVec::matvec, ctx, w.bytes(), x, out, w.cols(), r);
            case Q8_0 -> plan.graph().task(id, Q8_0MatVec::matvec, ctx, w.bytes(), x, out, w.cols(), r);
            case Q4_0 -> plan.graph().task(id, Q4_0MatVec::matvec, ctx, w.bytes(), x, out, w.cols(), r);
            default -> throw new BambooException("no TornadoVM matvec kernel for " + w.name() + " in " + w.format());
        }
        plan.launch(id, Launch.perGroup(w.rows(), lanes));
    }
}
