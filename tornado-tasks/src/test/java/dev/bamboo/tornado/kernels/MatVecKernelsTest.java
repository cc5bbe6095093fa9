package dev.bamboo.tornado.kernels;

import dev.bamboo.tornado.graph.KernelPlan;
import dev.bamboo.tornado.graph.MatVecTasks;
import dev.bamboo.tornado.memory.DeviceMatrix;
import dev.bamboo.tornado.support.CpuReference;
import dev.bamboo.tornado.support.RandomTensors;
import dev.bamboo.tornado.support.RequiresTornado;
import dev.bamboo.weights.tensor.ActivationVector;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Matrix-vector kernels for each weight format against the CPU (weights module) on random odd-sized inputs. */
class MatVecKernelsTest extends RequiresTornado {

    @ParameterizedTest(name = "{0} {1}x{2} lanes={3} relu={4}")
    @CsvSource({
            "F32, 37, 301, 32, false",
            "BF16, 19, 77, 16, false",
            "F16, 37, 301, 64, false",
            "F16, 5, 1, 8, true",
            "Q8_0, 37, 288, 32, false",
            "Q8_0, 41, 96, 64, true",
            "Q4_0, 37, 288, 32, false",
            "Q4_0, 23, 160, 4, true",
    })
    void matchesCpu(GGMLType type, int rows, int cols, int lanes, boolean relu) throws Exception {
        Random random = new Random(rows * 31L + cols);
        Tensor w = RandomTensors.of(type, rows, cols, random);
        float[] x = RandomTensors.vector(cols, random);
        DeviceMatrix dw = DeviceMatrix.of(w);
        FloatArray dx = FloatArray.fromArray(x);
        FloatArray out = new FloatArray(rows);

        KernelPlan plan = new KernelPlan("matvec");
        plan.graph().transferToDevice(DataTransferMode.FIRST_EXECUTION, dw.arrays()).transferToDevice(DataTransferMode.FIRST_EXECUTION, dx);
        MatVecTasks.matvec(plan, "mv", dw, dx, out, relu, lanes);
        plan.graph().transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (TornadoExecutionPlan exec = plan.executionPlan()) {
            exec.execute();
        }

        double[] expected = CpuReference.matvec(w, x);
        double[] scale = CpuReference.absMatvec(w, x);
        ActivationVector av = ActivationVector.of(x);
        for (int r = 0; r < rows; r++) {
            double e = relu ? Math.max(0, expected[r]) : expected[r];
            assertEquals(e, out.get(r), 2e-6 * scale[r] + 1e-7, "row " + r + " (exact decode)");
            // The weights module's own dot product (Q8_0/Q4_0 quantize x to Q8_0 first, so only roughly equal).
            double cpu = w.dot(r, av);
            double cpuTolerance = type == GGMLType.Q8_0 || type == GGMLType.Q4_0 ? 2e-2 * scale[r] : 2e-6 * scale[r];
            assertEquals(relu ? Math.max(0, cpu) : cpu, out.get(r), cpuTolerance + 1e-6, "row " + r + " (Tensor.dot)");
        }
    }
}
