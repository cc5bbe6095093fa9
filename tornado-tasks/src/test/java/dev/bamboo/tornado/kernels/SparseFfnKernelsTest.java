package dev.bamboo.tornado.kernels;

import dev.bamboo.tornado.graph.KernelPlan;
import dev.bamboo.tornado.graph.SparseFfnTasks;
import dev.bamboo.tornado.memory.DeviceMatrix;
import dev.bamboo.tornado.support.CpuReference;
import dev.bamboo.tornado.support.RandomTensors;
import dev.bamboo.tornado.support.RequiresTornado;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sparse FFN on the device against the CPU: predictor mode (predictor → active list → gather gate/up →
 * down over active rows) and exact mode (dense gate → neurons with a positive gate → up → down), on random
 * weights of every format, an odd number of neurons and activations of every kind.
 */
class SparseFfnKernelsTest extends RequiresTornado {
    private static final int HIDDEN = 96;
    private static final int FFN = 203;
    private static final int RANK = 40;

    static FfnKind kind(String name) {
        return switch (name) {
            case "silu" -> new FfnKind.SwiGLU();
            case "relu" -> new FfnKind.ReGLU();
            case "drelu" -> new FfnKind.DReLU();
            default -> new FfnKind.FatReLU(Float.parseFloat(name.substring("fatrelu".length())));
        };
    }

    @ParameterizedTest(name = "{0} weights, {1} predictor, {2}, lanes={3}")
    @CsvSource({
            "Q8_0, F16, drelu, 32",
            "Q4_0, F32, relu, 16",
            "F16, F16, silu, 64",
            "F32, F32, fatrelu0.5, 32",
            "BF16, F16, drelu, 8",
    })
    void predictorModeMatchesCpu(GGMLType weights, GGMLType predictor, String kindName, int lanes) throws Exception {
        FfnKind kind = kind(kindName);
        Random random = new Random(weights.ordinal() * 7L + predictor.ordinal());
        Tensor fc1 = RandomTensors.of(predictor, RANK, HIDDEN, random);
        Tensor fc2 = RandomTensors.of(predictor, FFN, RANK, random);
        Tensor gate = RandomTensors.of(weights, FFN, HIDDEN, random);
        Tensor up = RandomTensors.of(weights, FFN, HIDDEN, random);
        Tensor downT = RandomTensors.of(weights, FFN, HIDDEN, random);
        float[] x = RandomTensors.vector(HIDDEN, random);

        // CPU: predictor scores, a threshold well away from every score, the active set and the FFN output.
        float[] hiddenRank = CpuReference.toFloats(CpuReference.matvec(fc1, x));
        for (int i = 0; i < RANK; i++) hiddenRank[i] = Math.max(0f, hiddenRank[i]);
        double[] scores = CpuReference.matvec(fc2, hiddenRank);
        float threshold = thresholdInWidestGap(scores);
        List<Integer> expectedActive = new ArrayList<>();
        for (int i = 0; i < FFN; i++) if (scores[i] >= threshold) expectedActive.add(i);
        double[] gates = CpuReference.matvec(gate, x);
        double[] ups = CpuReference.matvec(up, x);
        Expected expected = ffnOutput(kind, expectedActive, gates, ups, downT);

        DeviceMatrix dFc1 = DeviceMatrix.of(fc1), dFc2 = DeviceMatrix.of(fc2);
        DeviceMatrix dGate = DeviceMatrix.of(gate), dUp = DeviceMatrix.of(up), dDown = DeviceMatrix.of(downT);
        FloatArray dx = FloatArray.fromArray(x);
        FloatArray rank = new FloatArray(RANK), predictorScores = new FloatArray(FFN), h = new FloatArray(FFN), out = new FloatArray(HIDDEN);
        IntArray active = new IntArray(FFN), count = new IntArray(1);

        KernelPlan plan = new KernelPlan("ffn");
        for (DeviceMatrix m : List.of(dFc1, dFc2, dGate, dUp, dDown)) plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, m.arrays());
        plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, rank, predictorScores, h, active, count)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, dx);
        SparseFfnTasks.predict(plan, "predict", dFc1, dFc2, dx, rank, predictorScores, active, count, threshold, lanes);
        SparseFfnTasks.gateUp(plan, "gateup", dGate, dUp, dx, active, count, h, kind, lanes);
        SparseFfnTasks.downAccumulate(plan, "down", dDown, active, count, h, out, lanes);
        plan.graph().transferToHost(DataTransferMode.EVERY_EXECUTION, active, count, out);
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
        }

        assertEquals(expectedActive.size(), count.get(0), "active count");
        for (int k = 0; k < expectedActive.size(); k++) assertEquals(expectedActive.get(k), active.get(k), "active[" + k + "]");
        assertClose(expected, out);
    }

    @ParameterizedTest(name = "{0} weights, {1}, lanes={2}")
    @CsvSource({
            "Q8_0, relu, 32",
            "Q4_0, drelu, 64",
            "F16, fatrelu2.0, 16",
            "F32, drelu, 32",
    })
    void exactModeMatchesDenseCpu(GGMLType weights, String kindName, int lanes) throws Exception {
        FfnKind kind = kind(kindName);
        Random random = new Random(100 + weights.ordinal());
        Tensor gate = RandomTensors.of(weights, FFN, HIDDEN, random);
        Tensor up = RandomTensors.of(weights, FFN, HIDDEN, random);
        Tensor downT = RandomTensors.of(weights, FFN, HIDDEN, random);
        float[] x = RandomTensors.vector(HIDDEN, random);

        double[] gates = CpuReference.matvec(gate, x);
        double[] gateScale = CpuReference.absMatvec(gate, x);
        double[] ups = CpuReference.matvec(up, x);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < FFN; i++) all.add(i);
        Expected expected = ffnOutput(kind, all, gates, ups, downT); // dense: every neuron, zeros included

        DeviceMatrix dGate = DeviceMatrix.of(gate), dUp = DeviceMatrix.of(up), dDown = DeviceMatrix.of(downT);
        FloatArray dx = FloatArray.fromArray(x);
        FloatArray gateValues = new FloatArray(FFN), h = new FloatArray(FFN), out = new FloatArray(HIDDEN);
        IntArray active = new IntArray(FFN), count = new IntArray(1);

        KernelPlan plan = new KernelPlan("exact");
        for (DeviceMatrix m : List.of(dGate, dUp, dDown)) plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, m.arrays());
        plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, gateValues, h, active, count)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, dx);
        SparseFfnTasks.exactGateUp(plan, "ffn", dGate, dUp, dx, gateValues, active, count, h, kind, lanes);
        SparseFfnTasks.downAccumulate(plan, "down", dDown, active, count, h, out, lanes);
        plan.graph().transferToHost(DataTransferMode.EVERY_EXECUTION, active, count, out);
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
        }

        // The active set is every neuron whose gate is above the cutoff (neurons within rounding of it may go either way).
        float cutoff = kind.gateCutoff();
        int n = count.get(0);
        int[] got = new int[n];
        for (int k = 0; k < n; k++) got[k] = active.get(k);
        for (int k = 1; k < n; k++) assertTrue(got[k - 1] < got[k], "active list ascending");
        int above = 0;
        for (int i = 0; i < FFN; i++) {
            boolean listed = Arrays.binarySearch(got, i) >= 0;
            if (Math.abs(gates[i] - cutoff) > 1e-5 * gateScale[i] + 1e-6) {
                assertEquals(gates[i] > cutoff, listed, "neuron " + i + " gate " + gates[i]);
            }
            if (gates[i] > cutoff) above++;
        }
        assertTrue(above > 0 && above < FFN, "the random layer is neither empty nor dense: " + above);
        assertClose(expected, out);
    }

    private record Expected(double[] out, double[] scale) {}

    private static Expected ffnOutput(FfnKind kind, List<Integer> neurons, double[] gates, double[] ups, Tensor downT) {
        double[] out = new double[HIDDEN];
        double[] scale = new double[HIDDEN];
        for (int i : neurons) {
            float a = CpuReference.combine(kind, gates[i], ups[i]);
            float[] row = CpuReference.row(downT, i);
            for (int j = 0; j < HIDDEN; j++) {
                out[j] += (double) a * row[j];
                scale[j] += Math.abs((double) a * row[j]) + Math.abs((gates[i] + ups[i]) * row[j]) * 1e-2;
            }
        }
        return new Expected(out, scale);
    }

    private static void assertClose(Expected expected, FloatArray out) {
        for (int j = 0; j < HIDDEN; j++) {
            assertEquals(expected.out()[j], out.get(j), 1e-4 * expected.scale()[j] + 1e-5, "output " + j);
        }
    }

    /** A threshold in the widest gap between sorted scores in their middle fifth to three fifths, so rounding cannot flip a neuron. */
    private static float thresholdInWidestGap(double[] scores) {
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        int from = sorted.length / 5, to = sorted.length * 3 / 5;
        int best = from;
        for (int i = from; i < to; i++) if (sorted[i + 1] - sorted[i] > sorted[best + 1] - sorted[best]) best = i;
        assertTrue(sorted[best + 1] - sorted[best] > 1e-4, "scores too close together for a safe threshold");
        return (float) ((sorted[best] + sorted[best + 1]) / 2);
    }
}
