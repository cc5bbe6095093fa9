package dev.bamboo.runtime.forward;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.weights.model.LoadedModel;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dense logits of every position against transformers' float64 reference, for each Hugging Face test model. */
class ForwardPassReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-bamboo", "tiny-mistral", "tiny-relullama", "tiny-turbosparse", "bamboo-demo"})
    void logitsMatchTransformers(String name) {
        try (LoadedModel model = ModelLoader.open(TestData.model(name));
             SafetensorsFile ref = SafetensorsFile.open(TestData.model(name).resolve("reference.safetensors"));
             ComputePool pool = new ComputePool(2)) {
            int[] ids = ref.ints("input_ids");
            float[] expected = ref.floats("logits");
            int vocab = model.config().vocabSize();
            // prefill in uneven chunks so batched and single-token steps both run
            ForwardPass fp = new ForwardPass(model.weights(), pool, new DenseFeedForward(model.weights(), pool, 16), 64, 16);
            float[] actual = new float[ids.length * vocab];
            int pos = 0;
            for (int chunk : new int[] {1, 16, 7, 1, 16, 7}) {
                float[][] logits = new float[chunk][vocab];
                fp.forward(ids, pos, chunk, pos, true, logits);
                for (int t = 0; t < chunk; t++) System.arraycopy(logits[t], 0, actual, (pos + t) * vocab, vocab);
                pos += chunk;
            }
            double err = TestData.relL2(actual, expected);
            assertTrue(err < 1e-4, name + ": relative L2 " + err);
            assertTrue(pos == ids.length, "covered all positions");
        }
    }
}
