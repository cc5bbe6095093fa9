package dev.bamboo.tornado.kernels;

import dev.bamboo.tornado.graph.AttentionTasks;
import dev.bamboo.tornado.graph.KernelPlan;
import dev.bamboo.tornado.memory.AttentionScratch;
import dev.bamboo.tornado.support.RandomTensors;
import dev.bamboo.tornado.support.RequiresTornado;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Decode attention (blocks + merge) against a direct softmax over the cache, with GQA, a sliding window and a
 * two-layer cache (the second layer is attended); one compiled plan serves every position.
 */
class FlashDecodeAttentionTest extends RequiresTornado {

    @ParameterizedTest(name = "heads={0} kvHeads={1} headDim={2} cache={3} window={4} lanes={5}")
    @CsvSource({
            "6, 2, 40, 203, 0, 32",
            "6, 2, 40, 203, 50, 32",
            "4, 4, 34, 97, 0, 16",
            "8, 1, 64, 300, 33, 64",
    })
    void matchesDirectSoftmax(int heads, int kvHeads, int headDim, int cacheLength, int window, int lanes) throws Exception {
        Random random = new Random(heads * 1000L + cacheLength + window);
        int kvDim = kvHeads * headDim;
        int layers = 2, layer = 1;
        int layerOffset = layer * cacheLength * kvDim;
        float[] keys = RandomTensors.vector(layers * cacheLength * kvDim, random);
        float[] values = RandomTensors.vector(layers * cacheLength * kvDim, random);
        float[] q = RandomTensors.vector(heads * headDim, random);
        float scale = (float) (1.0 / Math.sqrt(headDim));

        FloatArray dq = FloatArray.fromArray(q);
        FloatArray dk = FloatArray.fromArray(keys);
        FloatArray dv = FloatArray.fromArray(values);
        IntArray position = new IntArray(1);
        AttentionScratch scratch = AttentionScratch.allocate(heads, headDim, cacheLength, lanes);
        FloatArray out = new FloatArray(heads * headDim);

        KernelPlan plan = new KernelPlan("attention");
        plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, dq, dk, dv)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, scratch.arrays())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, position);
        AttentionTasks.decode(plan, "attn", dq, dk, dv, position, scratch, out, kvHeads, window, layerOffset, 32);
        plan.graph().transferToHost(DataTransferMode.EVERY_EXECUTION, out);

        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            for (int pos : new int[] {0, 1, lanes - 1, lanes, 57 % cacheLength, cacheLength - 1}) {
                position.set(0, pos);
                exec.execute();
                int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                for (int h = 0; h < heads; h++) {
                    int kvBase = layerOffset + (h / (heads / kvHeads)) * headDim;
                    double[] scores = new double[pos + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int p = first; p <= pos; p++) {
                        double s = 0;
                        for (int d = 0; d < headDim; d++) s += (double) q[h * headDim + d] * keys[kvBase + p * kvDim + d];
                        scores[p] = s * scale;
                        max = Math.max(max, scores[p]);
                    }
                    double sum = 0;
                    for (int p = first; p <= pos; p++) sum += Math.exp(scores[p] - max);
                    for (int d = 0; d < headDim; d++) {
                        double expected = 0;
                        for (int p = first; p <= pos; p++) expected += Math.exp(scores[p] - max) / sum * values[kvBase + p * kvDim + d];
                        assertEquals(expected, out.get(h * headDim + d), 1e-4, "pos " + pos + " head " + h + " dim " + d);
                    }
                }
            }
        }
    }
}
