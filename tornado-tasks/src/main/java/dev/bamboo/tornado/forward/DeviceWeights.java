package dev.bamboo.tornado.forward;

import dev.bamboo.tornado.memory.DeviceMatrix;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.tensor.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.ArrayList;
import java.util.List;

/**
 * A model's weights in kernel form (host copies; the execution plan moves them to the device on its first run,
 * once). Norm vectors become floats; matrices become {@link DeviceMatrix}es.
 */
public record DeviceWeights(DeviceMatrix embedding, List<DeviceLayer> layers, FloatArray outputNorm, DeviceMatrix output) {

    public static DeviceWeights of(ModelWeights weights, FfnPlan plan) {
        List<DeviceLayer> layers = new ArrayList<>();
        for (int l = 0; l < weights.layers().size(); l++) {
            LayerWeights w = weights.layers().get(l);
            boolean byNeuron = plan.downByNeuron(w.ffnDown() != null, w.ffnDownT() != null);
            DeviceMatrix fc1 = null, fc2 = null;
            if (plan == FfnPlan.PREDICTED) {
                PredictorLayer p = weights.predictor().orElseThrow().layers().get(l);
                fc1 = DeviceMatrix.of(p.fc1());
                fc2 = DeviceMatrix.of(p.fc2());
            }
            DeviceMatrix gate = DeviceMatrix.of(w.ffnGate());
            DeviceMatrix up = DeviceMatrix.of(w.ffnUp());
            if (gate.format() != up.format()) {
                // the fused gate/up kernel reads both with one format: bring the odd one to F32
                gate = asF32(w.ffnGate());
                up = asF32(w.ffnUp());
            }
            layers.add(new DeviceLayer(vector(w.attnNorm()), DeviceMatrix.of(w.wq()), DeviceMatrix.of(w.wk()), DeviceMatrix.of(w.wv()),
                    DeviceMatrix.of(w.wo()), vector(w.ffnNorm()), gate, up,
                    byNeuron ? null : DeviceMatrix.of(w.ffnDown()), byNeuron ? DeviceMatrix.of(w.ffnDownT()) : null, fc1, fc2));
        }
        DeviceMatrix embedding = DeviceMatrix.of(weights.tokenEmbedding());
        DeviceMatrix output = weights.output() == weights.tokenEmbedding() ? embedding : DeviceMatrix.of(weights.output());
        return new DeviceWeights(embedding, layers, vector(weights.outputNorm()), output);
    }

    private static DeviceMatrix asF32(Tensor t) {
        return new DeviceMatrix(t.name(), dev.bamboo.weights.tensor.GGMLType.F32, (int) t.rows(), t.cols(), null, DeviceMatrix.dequantized(t));
    }

    private static FloatArray vector(Tensor t) {
        if (t.size() > Integer.MAX_VALUE) throw new BambooException("norm vector " + t.name() + " is too large");
        return DeviceMatrix.dequantized(t);
    }

    /** Bytes of weights on the device, all together (output shared with a tied embedding counted once). */
    public long bytes() {
        long sum = bytesOf(embedding.array()) + bytesOf(outputNorm);
        if (output.array() != embedding.array()) sum += bytesOf(output.array());
        for (DeviceLayer l : layers) sum += l.bytes();
        return sum;
    }

    static long bytesOf(Object array) {
        if (array instanceof ByteArray b) return b.getSize();
        if (array instanceof FloatArray f) return 4L * f.getSize();
        return 0;
    }
}
