package dev.bamboo.tornado.graph;

import dev.bamboo.tornado.kernels.sparse.ActiveSetKernels;
import dev.bamboo.tornado.kernels.sparse.FfnActivation;
import dev.bamboo.tornado.kernels.sparse.SparseFfn;
import dev.bamboo.tornado.memory.DeviceMatrix;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.FfnKind;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The sparse FFN's tasks, each kernel specialized to its weights' format. The active set ({@code active}, {@code count}) and the compact
 * activations {@code h} stay on the device between tasks; launches are sized for all neurons.
 */
public final class SparseFfnTasks {
    private SparseFfnTasks() {}

    /** Task {@code id}: {@code active, count} = ascending indices {@code i < n} with {@code scores[i] >= threshold}. */
    public static void compact(KernelPlan plan, String id, FloatArray scores, IntArray active, IntArray count, int n, float threshold, int lanes) {
        plan.graph().task(id, ActiveSetKernels::compact, plan.context(), scores, active, count, n, threshold);
        plan.launch(id, Launch.single(lanes));
    }

    /**
     * Tasks {@code id.fc1}, {@code id.fc2}, {@code id.select}: the predictor {@code scores = fc2 · relu(fc1 · x)}
     * and the neurons whose score reaches {@code threshold}. {@code rank} and {@code scores} are scratch arrays of
     * fc1's and fc2's rows.
     */
    public static void predict(KernelPlan plan, String id, DeviceMatrix fc1, DeviceMatrix fc2, FloatArray x, FloatArray rank,
                               FloatArray scores, IntArray active, IntArray count, float threshold, int lanes) {
        MatVecTasks.matvec(plan, id + "_fc1", fc1, x, rank, true, lanes);
        MatVecTasks.matvec(plan, id + "_fc2", fc2, rank, scores, false, lanes);
        compact(plan, id + "_select", scores, active, count, fc2.rows(), threshold, lanes);
    }

    /** Task {@code id}: {@code h[k] = combine(gate[r]·x, up[r]·x)} for the k-th active neuron r. */
    public static void gateUp(KernelPlan plan, String id, DeviceMatrix gate, DeviceMatrix up, FloatArray x, IntArray active,
                              IntArray count, FloatArray h, FfnKind kind, int lanes) {
        requireSameFormat(gate, up);
        int code = FfnActivation.code(kind);
        float t = FfnActivation.threshold(kind);
        plan.graph().task(id, SparseFfn::gateUp, plan.context(), gate.bytes(), gate.floats(), up.bytes(), up.floats(), x, active, count, h,
                gate.cols(), gate.kernelFormat(), code, t);
        plan.launch(id, Launch.perGroup(gate.rows(), lanes));
    }

    /** Task {@code id}: {@code h[k] = combine(gateValues[r], up[r]·x)} for the k-th active neuron r (exact mode). */
    public static void upWhereGate(KernelPlan plan, String id, DeviceMatrix up, FloatArray x, FloatArray gateValues, IntArray active,
                                   IntArray count, FloatArray h, FfnKind kind, int lanes) {
        int code = FfnActivation.code(kind);
        float t = FfnActivation.threshold(kind);
        plan.graph().task(id, SparseFfn::upWhereGate, plan.context(), up.bytes(), up.floats(), x, gateValues, active, count, h,
                up.cols(), up.kernelFormat(), code, t);
        plan.launch(id, Launch.perGroup(up.rows(), lanes));
    }

    /**
     * Tasks {@code id_gate}, {@code id_select}, {@code id_up}: exact mode. The dense gate projection first, then
     * only the neurons whose gate is above the FFN's cutoff (the others are exactly zero) run their up projection.
     */
    public static void exactGateUp(KernelPlan plan, String id, DeviceMatrix gate, DeviceMatrix up, FloatArray x, FloatArray gateValues,
                                   IntArray active, IntArray count, FloatArray h, FfnKind kind, int lanes) {
        if (!kind.reluFamily()) {
            throw new BambooException("exact sparse FFN needs a ReLU-family activation, not " + kind.label() + ": run the dense FFN");
        }
        MatVecTasks.matvec(plan, id + "_gate", gate, x, gateValues, false, lanes);
        compact(plan, id + "_select", gateValues, active, count, gate.rows(), Math.nextUp(kind.gateCutoff()), lanes);
        upWhereGate(plan, id + "_up", up, x, gateValues, active, count, h, kind, lanes);
    }

    /** Task {@code id}: {@code out[j] = Σ_k h[k] · downT[active[k]][j]}, parallel over the hidden columns. */
    public static void downAccumulate(KernelPlan plan, String id, DeviceMatrix downT, IntArray active, IntArray count, FloatArray h,
                                      FloatArray out, int lanes) {
        int hidden = downT.cols();
        plan.graph().task(id, SparseFfn::downAccumulate, plan.context(), downT.bytes(), downT.floats(), active, count, h, out, hidden,
                downT.kernelFormat());
        plan.launch(id, Launch.covering(hidden, lanes));
    }

    private static void requireSameFormat(DeviceMatrix gate, DeviceMatrix up) {
        if (gate.format() != up.format() || gate.rows() != up.rows() || gate.cols() != up.cols()) {
            throw new BambooException("gate " + gate.name() + " (" + gate.format() + " " + gate.rows() + "x" + gate.cols() + ") and up " + up.name()
                    + " (" + up.format() + " " + up.rows() + "x" + up.cols() + ") must share format and shape for the fused gather kernel");
        }
    }
}
