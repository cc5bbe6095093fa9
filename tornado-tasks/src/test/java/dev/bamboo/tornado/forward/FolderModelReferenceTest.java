package dev.bamboo.tornado.forward;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.tornado.support.RequiresTornado;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole forward pass on the device against the float64 reference logits of the Hugging Face-format models,
 * at every one of 48 positions, in each sparsity mode the model supports; rel. L2 below 1e-4 (the reference's bar
 * for a correct float32 implementation).
 */
class FolderModelReferenceTest extends RequiresTornado {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "tiny-bamboo, DENSE", "tiny-bamboo, EXACT", "tiny-bamboo, PREDICTED",
            "tiny-mistral, DENSE",
            "tiny-relullama, DENSE", "tiny-relullama, EXACT", "tiny-relullama, PREDICTED",
            "tiny-turbosparse, PREDICTED",
            "bamboo-demo, DENSE", "bamboo-demo, EXACT", "bamboo-demo, PREDICTED",
    })
    void logitsMatchTheReference(String name, SparsityMode mode) {
        try (Model model = Model.load(TestData.model(name)); SafetensorsFile ref = SafetensorsFile.open(TestData.model(name).resolve("reference.safetensors"))) {
            int[] ids = ref.ints("input_ids");
            float[] expected = ref.floats(mode == SparsityMode.PREDICTED ? "logits_predicted" : "logits");
            double err = TestData.relL2(DeviceLogits.all(model, ids, mode), expected);
            assertTrue(err < 1e-4, name + " " + mode + " rel. L2 " + err);
        }
    }
}
