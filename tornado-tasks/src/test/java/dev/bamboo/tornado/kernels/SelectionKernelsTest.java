package dev.bamboo.tornado.kernels;

import dev.bamboo.tornado.graph.KernelPlan;
import dev.bamboo.tornado.graph.Launch;
import dev.bamboo.tornado.graph.SparseFfnTasks;
import dev.bamboo.tornado.kernels.sampling.ArgmaxKernel;
import dev.bamboo.tornado.support.RandomTensors;
import dev.bamboo.tornado.support.RequiresTornado;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Active-set compaction and argmax: exact integer results, compared element by element. */
class SelectionKernelsTest extends RequiresTornado {

    @ParameterizedTest(name = "n={0} threshold={1} lanes={2}")
    @CsvSource({
            "1001, 0.3, 64",
            "5, -0.2, 64",
            "203, -100, 32",
            "203, 100, 32",
            "13824, 1.1, 256",
    })
    void compactionListsExactlyTheSelectedIndicesInOrder(int n, float threshold, int lanes) throws Exception {
        Random random = new Random(n);
        float[] scores = RandomTensors.vector(n, random);
        scores[n / 2] = threshold; // ">= threshold" includes equality
        FloatArray dScores = FloatArray.fromArray(scores);
        IntArray active = new IntArray(n);
        IntArray count = new IntArray(1);
        active.init(-1);
        count.set(0, -1);

        KernelPlan plan = new KernelPlan("compact");
        plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, dScores, active, count);
        SparseFfnTasks.compact(plan, "select", dScores, active, count, n, threshold, lanes);
        plan.graph().transferToHost(DataTransferMode.EVERY_EXECUTION, active, count);
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
        }

        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) if (scores[i] >= threshold) expected.add(i);
        assertEquals(expected.size(), count.get(0), "count");
        for (int k = 0; k < expected.size(); k++) assertEquals(expected.get(k), active.get(k), "active[" + k + "]");
    }

    @Test
    void argmaxPicksTheFirstOfTiedMaximaAndSkipsNaN() throws Exception {
        Random random = new Random(11);
        int n = 32003;
        float[] logits = RandomTensors.vector(n, random);
        logits[100] = Float.NaN;
        logits[31999] = 9f;
        logits[20001] = 9f;
        logits[20002] = 8.5f;
        FloatArray dLogits = FloatArray.fromArray(logits);
        IntArray result = new IntArray(1);

        KernelPlan plan = new KernelPlan("argmax");
        plan.graph().transferToDevice(DataTransferMode.EVERY_EXECUTION, dLogits)
                .task("argmax", ArgmaxKernel::argmax, plan.context(), dLogits, result, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, result);
        plan.launch("argmax", Launch.single(128));
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
            assertEquals(20001, result.get(0));
            dLogits.set(7, 50f);
            exec.execute();
            assertEquals(7, result.get(0));
        }
    }
}
