package dev.bamboo.weights.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * config.json values that would run the model wrong, or that are not what their key needs, are refused with a one-line
 * error naming the key, never read as a default: tiny-bamboo's config with one value changed.
 */
class HFConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path tinyBamboo() {
        return TestFiles.hfDir("tiny-bamboo");
    }

    private static ObjectNode config() throws IOException {
        return (ObjectNode) JSON.readTree(tinyBamboo().resolve("config.json").toFile());
    }

    private static String error(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode c = config();
        edit.accept(c);
        BambooException e = assertThrows(BambooException.class, () -> HFConfig.parse(c, "config.json"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static void assertRefused(ObjectNode c, String part) {
        String message = assertThrows(BambooException.class, () -> HFConfig.parse(c, "config.json")).getMessage();
        assertTrue(message.contains(part) && !message.contains("\n"), message);
    }

    @Test
    void theUneditedConfigLoads() throws IOException {
        assertEquals(3, HFConfig.parse(config(), "config.json").layers());
        // what real configs write for "no window" and "no scaling"
        ObjectNode c = config();
        c.put("model_type", "mistral").put("sliding_window", 0).putNull("rope_scaling");
        assertEquals(0, HFConfig.parse(c, "config.json").slidingWindow());
        c.put("sliding_window", 64).putObject("rope_scaling").put("rope_type", "default");
        assertEquals(64, HFConfig.parse(c, "config.json").slidingWindow());
    }

    /**
     * The window transformers gives each layer: MistralConfig's 4096 where a mistral config has no sliding_window key,
     * none for bamboo; a mistral config with layer_types runs as Ministral, whose full_attention layers have no window.
     */
    @Test
    void theSlidingWindowIsTheOneTransformersApplies() throws IOException {
        ObjectNode c = config();
        c.put("max_position_embeddings", 8192).remove("sliding_window");
        assertEquals(0, HFConfig.parse(c, "config.json").slidingWindow(), "bamboo");
        c.put("model_type", "mistral");
        assertEquals(4096, HFConfig.parse(c, "config.json").slidingWindow(), "mistral without the key");
        c.putNull("sliding_window");
        assertEquals(0, HFConfig.parse(c, "config.json").slidingWindow(), "mistral, null");
        c.put("sliding_window", 64);
        c.putArray("layer_types").add("sliding_attention").add("sliding_attention").add("sliding_attention");
        assertEquals(64, HFConfig.parse(c, "config.json").slidingWindow());
        c.putArray("layer_types").add("full_attention").add("full_attention").add("full_attention");
        assertEquals(0, HFConfig.parse(c, "config.json").slidingWindow());
        // Llama's attention has no window whatever the config says
        c.put("model_type", "llama").putArray("layer_types").add("full_attention").add("sliding_attention").add("full_attention");
        assertEquals(0, HFConfig.parse(c, "config.json").slidingWindow());
        c.put("model_type", "mistral");
        assertRefused(c, "layer_types mixes full_attention and sliding_attention layers");
        c.putArray("layer_types").add("sliding_attention").add("sliding_attention");
        assertRefused(c, "layer_types must list full_attention or sliding_attention for each of the 3 layers");
        c.putArray("layer_types").add("sliding_attention").add("sliding_attention").add("chunked_attention");
        assertRefused(c, "layer_types must list");
    }

    /**
     * transformers 5 reads the RoPE base from rope_scaling when it is set, else from rope_parameters, then from the top
     * level; transformers 4 only from the top level. Where those places disagree, the config is refused.
     */
    @Test
    void theRopeBaseIsReadWhereTransformersReadsItOrRefusedWhereVersionsDiffer() throws IOException {
        ObjectNode c = config();
        c.remove("rope_parameters");
        c.putObject("rope_scaling").put("rope_type", "default").put("rope_theta", 100.0);
        assertEquals(100f, HFConfig.parse(c, "config.json").ropeTheta());
        c.put("rope_theta", 100.0);
        assertEquals(100f, HFConfig.parse(c, "config.json").ropeTheta());
        c.put("rope_theta", 1e4);
        assertRefused(c, "the RoPE base is written as rope_scaling.rope_theta 100.0, rope_theta 10000.0");
        // a stale rope_scaling beside the transformers-5 rope_parameters: transformers 5 reads the former, without a base
        c.remove("rope_theta");
        ((ObjectNode) c.get("rope_scaling")).remove("rope_theta");
        c.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 1e6);
        assertRefused(c, "rope_parameters.rope_theta 1000000.0 and transformers reads 10000.0 (rope_scaling without one)");
        // the same with the places agreeing
        c.put("rope_theta", 1e6);
        assertEquals(1e6f, HFConfig.parse(c, "config.json").ropeTheta());
        c.remove("rope_scaling");
        c.remove("rope_parameters");
        c.remove("rope_theta");
        assertEquals(1e4f, HFConfig.parse(c, "config.json").ropeTheta(), "the default");
    }

    @Test
    void unsupportedArithmeticIsRefused() throws IOException {
        assertTrue(error(c -> c.putObject("rope_scaling").put("type", "linear").put("factor", 4.0)).contains("RoPE scaling 'linear'"));
        assertTrue(error(c -> ((ObjectNode) c.get("rope_parameters")).put("rope_type", "yarn")).contains("RoPE scaling 'yarn'"));
        assertTrue(error(c -> c.put("attention_bias", true)).contains("attention_bias is true"));
        assertTrue(error(c -> c.put("mlp_bias", true)).contains("mlp_bias is true"));
    }

    @Test
    void valuesOfTheWrongKindAreRefusedNotDefaulted() throws IOException {
        assertTrue(error(c -> c.put("rms_norm_eps", "abc")).contains("rms_norm_eps is \"abc\", not a number"));
        assertTrue(error(c -> c.put("rope_parameters", "abc")).contains("'rope_parameters' must be an object or null"));
        assertTrue(error(c -> c.put("rope_scaling", "yarn")).contains("'rope_scaling' must be an object or null"));
        assertTrue(error(c -> c.put("tie_word_embeddings", "yes")).contains("tie_word_embeddings is \"yes\", not true or false"));
        assertTrue(error(c -> c.put("tie_word_embeddings", 1)).contains("tie_word_embeddings is 1, not true or false"));
        assertTrue(error(c -> c.put("attention_bias", "false")).contains("attention_bias is \"false\", not true or false"));
        assertTrue(error(c -> c.remove("model_type")).contains("not a model folder"));
        assertTrue(error(c -> c.put("head_dim", 1_000_000_000)).contains("absurdly wide"));
        assertTrue(error(c -> c.put("rms_norm_eps", -1.0)).contains("must be positive numbers"));
        assertTrue(error(c -> ((ObjectNode) c.get("rope_parameters")).put("rope_theta", 0)).contains("must be positive numbers"));
        // numbers a double holds but the model's floats do not: infinity and zero there
        assertTrue(error(c -> c.put("rms_norm_eps", 1e39)).contains("must be positive numbers a float holds"));
        assertTrue(error(c -> c.put("rms_norm_eps", 1e-50)).contains("must be positive numbers a float holds"));
        assertTrue(error(c -> ((ObjectNode) c.get("rope_parameters")).put("rope_theta", 1e39)).contains("must be positive numbers a float holds"));
        assertTrue(error(c -> c.put("hidden_size", 128.5)).contains("config.json: hidden_size is 128.5, not a positive integer"));
        assertTrue(error(c -> c.put("sliding_window", true)).contains("sliding_window is true, not a positive integer"));
        assertTrue(error(c -> c.put("head_dim", 33)).contains("head_dim 33 is odd"));
        assertTrue(error(c -> c.put("eos_token_id", 99999)).contains("eos_token_id 99999 is not a token id"));
        assertTrue(error(c -> c.put("hidden_act", "fatrelu").put("hidden_act_param", "x")).contains("hidden_act_param is \"x\", not a number"));
    }

    @Test
    void weightsTheConfigDoesNotAccountForAreRefused(@TempDir Path dir) throws IOException {
        // num_hidden_layers lowered: the checkpoint's last layer would be silently left out
        ObjectNode c = config();
        c.put("num_hidden_layers", 2);
        Files.writeString(dir.resolve("config.json"), c.toString());
        Files.createSymbolicLink(dir.resolve("model.safetensors"), tinyBamboo().resolve("model.safetensors"));
        BambooException e = assertThrows(BambooException.class, () -> HFModelLoader.load(dir));
        assertTrue(e.getMessage().contains("model.layers.2.") && e.getMessage().contains("does not use"), e.getMessage());
    }
}
