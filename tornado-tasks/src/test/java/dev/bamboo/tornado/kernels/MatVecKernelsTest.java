package dev.bamboo.tornado.kernels;

import dev.bamboo.tornado.graph.KernelPlan;
import dev.bamboo.tornado.graph.Launch;
import dev.bamboo.tornado.kernels.matvec.Q8_0MatVec;
import dev.bamboo.tornado.memory.DeviceMatrix;
import dev.bamboo.tornado.support.RandomTensors;
import dev.bamboo.tornado.support.RequiresTornado;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MatVecKernelsTest extends RequiresTornado {

    @Test
    void q8_0MatchesDequantizedReference() throws Exception {
        Random random = new Random(1);
        int rows = 37, cols = 32 * 9;
        Tensor w = RandomTensors.of(GGMLType.Q8_0, rows, cols, random);
        float[] x = RandomTensors.vector(cols, random);
        DeviceMatrix dw = DeviceMatrix.of(w);
        FloatArray dx = FloatArray.fromArray(x);
        FloatArray out = new FloatArray(rows);

        KernelPlan plan = new KernelPlan("mv");
        plan.graph()
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, dw.bytes(), dx)
                .task("q8", Q8_0MatVec::matvec, plan.context(), dw.bytes(), dx, out, cols, 0)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        plan.launch("q8", Launch.perGroup(rows, 32));
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
        }
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.dequantizeRow(r, row, 0);
            double expected = 0, magnitude = 0;
            for (int j = 0; j < cols; j++) {
                expected += (double) row[j] * x[j];
                magnitude += Math.abs((double) row[j] * x[j]);
            }
            assertEquals(expected, out.get(r), 1e-5 * magnitude + 1e-6, "row " + r);
        }
    }
}
