package dev.bamboo.tornado.kernels;

import dev.bamboo.tornado.graph.AttentionTasks;
import dev.bamboo.tornado.graph.KernelPlan;
import dev.bamboo.tornado.graph.Launch;
import dev.bamboo.tornado.kernels.elementwise.ResidualKernel;
import dev.bamboo.tornado.kernels.norm.RmsNormKernel;
import dev.bamboo.tornado.kernels.rope.RopeKernel;
import dev.bamboo.tornado.support.CpuReference;
import dev.bamboo.tornado.support.RandomTensors;
import dev.bamboo.tornado.support.RequiresTornado;
import dev.bamboo.weights.model.RopeLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** RMSNorm, RoPE (both layouts) and the residual add against plain CPU math. */
class NormRopeResidualTest extends RequiresTornado {

    @Test
    void rmsNormOfSeveralVectors() throws Exception {
        Random random = new Random(3);
        int n = 301, vectors = 3;
        float eps = 1e-5f;
        float[] x = RandomTensors.vector(n * vectors, random);
        float[] weight = RandomTensors.vector(n, random);
        FloatArray dx = FloatArray.fromArray(x);
        FloatArray dw = FloatArray.fromArray(weight);
        FloatArray out = new FloatArray(n * vectors);

        KernelPlan plan = new KernelPlan("norm");
        plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, dx, dw)
                .task("rms", RmsNormKernel::rmsNorm, plan.context(), dx, dw, out, n, eps)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        plan.launch("rms", Launch.perGroup(vectors, 64));
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
        }
        for (int v = 0; v < vectors; v++) {
            double factor = CpuReference.rmsNormFactor(x, v * n, n, eps);
            for (int i = 0; i < n; i++) {
                double expected = x[v * n + i] * factor * weight[i];
                assertEquals(expected, out.get(v * n + i), 1e-5 * (1 + Math.abs(expected)), "vector " + v + " element " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void ropeRotatesQueriesAndKeysAtTheDevicePosition(RopeLayout layout) throws Exception {
        Random random = new Random(layout.ordinal() + 10);
        int heads = 6, kvHeads = 2, headDim = 34;
        float theta = 10000f;
        float[] q = RandomTensors.vector(heads * headDim, random);
        float[] k = RandomTensors.vector(kvHeads * headDim, random);
        float[] invFreq = RopeKernel.inverseFrequencies(headDim, theta);
        FloatArray dq = new FloatArray(q.length);
        FloatArray dk = new FloatArray(k.length);
        FloatArray dInv = FloatArray.fromArray(invFreq);
        IntArray position = new IntArray(1);

        KernelPlan plan = new KernelPlan("rope");
        var graph = plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, dInv)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, dq, dk, position);
        AttentionTasks.rope(plan, "rope", layout, dq, dk, position, dInv, heads, kvHeads, headDim, 32);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, dq, dk);

        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            // One compiled graph, several tokens: the position changes only in device memory.
            for (int pos : new int[] {0, 7, 1234}) {
                for (int i = 0; i < q.length; i++) dq.set(i, q[i]);
                for (int i = 0; i < k.length; i++) dk.set(i, k[i]);
                position.set(0, pos);
                exec.execute();
                assertRotated(q, dq, heads, headDim, invFreq, pos, layout);
                assertRotated(k, dk, kvHeads, headDim, invFreq, pos, layout);
            }
        }
    }

    private static void assertRotated(float[] before, FloatArray after, int heads, int headDim, float[] invFreq, int pos, RopeLayout layout) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                int a = layout == RopeLayout.ROTATE_HALF ? h * headDim + i : h * headDim + 2 * i;
                int b = layout == RopeLayout.ROTATE_HALF ? a + half : a + 1;
                double angle = (double) (pos * invFreq[i]);
                double e0 = before[a] * Math.cos(angle) - before[b] * Math.sin(angle);
                double e1 = before[a] * Math.sin(angle) + before[b] * Math.cos(angle);
                assertEquals(e0, after.get(a), 2e-5, "pos " + pos + " head " + h + " pair " + i);
                assertEquals(e1, after.get(b), 2e-5, "pos " + pos + " head " + h + " pair " + i);
            }
        }
    }

    @Test
    void residualAdd() throws Exception {
        Random random = new Random(5);
        int n = 1001;
        float[] x = RandomTensors.vector(n, random);
        float[] delta = RandomTensors.vector(n, random);
        FloatArray dx = FloatArray.fromArray(x);
        FloatArray dd = FloatArray.fromArray(delta);

        KernelPlan plan = new KernelPlan("residual");
        plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, dx, dd)
                .task("add", ResidualKernel::add, plan.context(), dx, dd, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, dx);
        plan.launch("add", Launch.covering(n, 64));
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
        }
        for (int i = 0; i < n; i++) assertEquals(x[i] + delta[i], dx.get(i), 0f, "element " + i);
    }
}
