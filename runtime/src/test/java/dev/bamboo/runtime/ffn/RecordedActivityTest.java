package dev.bamboo.runtime.ffn;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.CpuSession;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a recording dense FFN reports as fired is what the FFN's definition says: {@code act(gate · x, up · x) ≠ 0}
 * with {@code x} the normed residual it hands over, recomputed here in double from the weights.
 */
class RecordedActivityTest {
    @Test
    void firedNeuronsAreThoseWithANonZeroActivation() throws Exception {
        for (String name : new String[] {"tiny-bamboo", "tiny-relullama"}) {
            try (Model model = Model.load(TestData.model(name));
                 SafetensorsFile ref = SafetensorsFile.open(TestData.model(name).resolve("reference.safetensors"));
                 ComputePool pool = new ComputePool(2)) {
                ModelConfig c = model.config();
                int[] ids = ref.ints("input_ids");
                AtomicInteger tokens = new AtomicInteger(), checked = new AtomicInteger(), fired = new AtomicInteger();
                ActivationSink sink = (layer, residual, active) -> {
                    tokens.incrementAndGet();
                    LayerWeights w = model.weights().layers().get(layer);
                    double[] x = normed(residual, w, c);
                    for (int i = 0; i < c.intermediateSize(); i++) {
                        double g = dot(w.ffnGate(), i, x), u = dot(w.ffnUp(), i, x);
                        // the kernels sum in another order: a product within rounding of zero may land either side
                        if (Math.abs(g) < 1e-5 || Math.abs(u) < 1e-5) continue;
                        boolean expected = expectedFires(c.ffn(), g, u);
                        assertEquals(expected, active[i], name + " layer " + layer + " neuron " + i + ": gate " + g + ", up " + u);
                        checked.incrementAndGet();
                        if (expected) fired.incrementAndGet();
                    }
                };
                try (CpuSession session = new CpuSession(model.weights(), pool, new DenseFeedForward(model.weights(), pool, 16, sink), ids.length, 16)) {
                    session.append(ids);
                }
                assertEquals(ids.length * c.layers(), tokens.get(), name + ": every token of every layer");
                assertTrue(checked.get() > 0.95 * tokens.get() * c.intermediateSize(), name);
                assertTrue(fired.get() > 0.1 * checked.get() && fired.get() < 0.9 * checked.get(), name + ": " + fired + " of " + checked + " fired");
            }
        }
    }

    private static boolean expectedFires(FfnKind kind, double gate, double up) {
        return kind.combine((float) gate, (float) up) != 0f;
    }

    private static double[] normed(float[] h, LayerWeights w, ModelConfig c) {
        double ss = 0;
        for (float v : h) ss += (double) v * v;
        double inv = 1 / Math.sqrt(ss / h.length + c.rmsNormEps());
        double[] x = new double[h.length];
        for (int j = 0; j < h.length; j++) x[j] = h[j] * inv * w.ffnNorm().get(j);
        return x;
    }

    private static double dot(dev.bamboo.weights.tensor.Tensor w, int row, double[] x) {
        double s = 0;
        for (int j = 0; j < x.length; j++) s += w.get((long) row * x.length + j) * x[j];
        return s;
    }
}
