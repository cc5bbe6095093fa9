package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.backend.Backends;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.Generator;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.sampling.SamplingOptions;
import dev.bamboo.tornado.support.RequiresTornado;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Greedy decoding of the demo model on the device: the same tokens as the CPU engine (and as transformers), through
 * the runtime's {@link Generator} (host sampler over downloaded logits) and through the device argmax; plus rewind.
 */
class GreedyDeviceTest extends RequiresTornado {

    static int[] greedy(Model model, EngineOptions options, int[] prompt, int n) {
        try (Engine engine = model.engine(options)) {
            List<Integer> out = new ArrayList<>();
            new Generator(engine.session()).generate(prompt, new GenerationOptions(n, SamplingOptions.greedy(), true, true), model.stopTokens(), () -> false, out::add);
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    @ParameterizedTest(name = "prompt{0} {1}")
    @CsvSource({"0, DENSE", "1, EXACT", "2, PREDICTED", "0, PREDICTED"})
    void sameTokensAsTheCpuEngine(int k, SparsityMode mode) {
        try (Model model = Model.load(TestData.model("bamboo-demo"));
             SafetensorsFile ref = SafetensorsFile.open(TestData.model("bamboo-demo").resolve("reference.safetensors"))) {
            int[] prompt = ref.ints("prompt" + k + "_ids");
            int n = ref.ints("prompt" + k + "_greedy").length;
            int[] cpu = greedy(model, EngineOptions.defaults().withThreads(2).withSparsity(mode).withContextLength(256), prompt, n);
            int[] device = greedy(model, DeviceLogits.tornado(mode, 256), prompt, n);
            assertArrayEquals(cpu, device, "prompt" + k + " " + mode);
            if (mode == SparsityMode.DENSE) assertArrayEquals(ref.ints("prompt" + k + "_greedy"), device, "transformers' greedy tokens");
        }
    }

    @ParameterizedTest(name = "prompt{0}")
    @CsvSource({"0", "1"})
    void deviceArgmaxAndRewind(int k) {
        // the device argmax is the TornadoVM session's own call: open that session directly, as the engine does
        try (Model model = Model.load(TestData.model("bamboo-demo"));
             SafetensorsFile ref = SafetensorsFile.open(TestData.model("bamboo-demo").resolve("reference.safetensors"));
             InferenceSession session = Backends.tornado().orElseThrow().open(model.weights(), DeviceLogits.tornado(SparsityMode.DENSE, 256),
                     SparsityMode.DENSE, -1)) {
            int[] prompt = ref.ints("prompt" + k + "_ids");
            int[] expected = ref.ints("prompt" + k + "_greedy");
            TornadoSession device = assertInstanceOf(TornadoSession.class, session);
            for (int round = 0; round < 2; round++) {
                session.rewind(0);
                float[] logits = session.append(prompt);
                int token = argmax(logits);
                int[] out = new int[expected.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = token;
                    token = device.appendGreedy(token);
                }
                assertArrayEquals(expected, out, "round " + round);
                assertEquals(prompt.length + expected.length, session.position());
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
