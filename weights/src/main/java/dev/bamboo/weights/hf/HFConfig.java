package dev.bamboo.weights.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.RopeLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Hugging Face {@code config.json} of a Llama-family model ({@code llama}, {@code mistral}, {@code bamboo},
 * {@code sparsellama}), in the transformers-4 form ({@code rope_theta} at top level) and the transformers-5 form
 * ({@code rope_parameters.rope_theta}).
 */
public final class HFConfig {
    public static final List<String> MODEL_TYPES = List.of("llama", "mistral", "bamboo", "sparsellama");

    private HFConfig() {}

    public static JsonNode readJson(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(Files.readString(file));
            if (n == null || !n.isObject()) throw new BambooException(file + ": not a JSON object");
            return n;
        } catch (IOException e) {
            throw new BambooException(file + ": cannot read it as JSON (" + firstLine(e.getMessage()) + ")");
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new BambooException(dir + ": no config.json; a Hugging Face model directory needs config.json next to its weights");
        }
        return parse(readJson(file), file.toString());
    }

    static ModelConfig parse(JsonNode c, String where) {
        String type = c.path("model_type").asText("");
        if (!MODEL_TYPES.contains(type)) {
            throw new BambooException(where + ": model_type '" + type + "' is not supported; Bamboo runs " + String.join(", ", MODEL_TYPES));
        }
        int hidden = requiredInt(c, "hidden_size", where);
        int heads = requiredInt(c, "num_attention_heads", where);
        int layers = requiredInt(c, "num_hidden_layers", where);
        int ffn = requiredInt(c, "intermediate_size", where);
        int vocab = requiredInt(c, "vocab_size", where);
        int kvHeads = optionalInt(c, "num_key_value_heads", heads, where);
        if (heads % kvHeads != 0) {
            throw new BambooException(where + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = optionalInt(c, "head_dim", hidden / heads, where);
        double eps = c.path("rms_norm_eps").asDouble(1e-6);
        double theta = ropeTheta(c).orElse(10000.0);
        int context = optionalInt(c, "max_position_embeddings", 2048, where);
        // Mistral-style models attend to the last sliding_window tokens; Llama ignores the key.
        int window = 0;
        if (!type.equals("llama") && !type.equals("sparsellama") && c.hasNonNull("sliding_window")) {
            window = c.get("sliding_window").asInt(0);
            if (window >= context) window = 0;
        }
        boolean tied = c.path("tie_word_embeddings").asBoolean(false);
        FfnKind ffnKind = ffnKind(c, type, where);
        int bos = tokenId(c.get("bos_token_id"), 1);
        int eos = tokenId(c.get("eos_token_id"), 2);
        return new ModelConfig(type.equals("sparsellama") ? "llama" : type, vocab, hidden, ffn, layers, heads, kvHeads, headDim,
                (float) eps, (float) theta, RopeLayout.ROTATE_HALF, context, window, tied, ffnKind, bos, eos);
    }

    private static OptionalDouble ropeTheta(JsonNode c) {
        JsonNode params = c.get("rope_parameters");
        if (params != null && params.hasNonNull("rope_theta")) return OptionalDouble.of(params.get("rope_theta").asDouble());
        if (c.hasNonNull("rope_theta")) return OptionalDouble.of(c.get("rope_theta").asDouble());
        return OptionalDouble.empty();
    }

    private static FfnKind ffnKind(JsonNode c, String type, String where) {
        String act = c.path("hidden_act").asText("silu");
        return switch (act) {
            case "silu", "swish" -> new FfnKind.SwiGLU();
            case "relu" -> type.equals("bamboo") ? new FfnKind.DReLU() : new FfnKind.ReGLU();
            case "fatrelu" -> new FfnKind.FatReLU((float) c.path("hidden_act_param").asDouble(0.0));
            default -> throw new BambooException(where + ": hidden_act '" + act + "' is not supported; Bamboo runs silu, relu and fatrelu FFNs");
        };
    }

    private static int tokenId(JsonNode n, int fallback) {
        if (n == null || n.isNull()) return fallback;
        if (n.isArray()) return n.isEmpty() ? fallback : n.get(0).asInt(fallback);
        return n.asInt(fallback);
    }

    private static int requiredInt(JsonNode c, String key, String where) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) throw new BambooException(where + ": required field '" + key + "' is missing; the config is incomplete");
        return positive(n, key, where);
    }

    private static int optionalInt(JsonNode c, String key, int fallback, String where) {
        JsonNode n = c.get(key);
        return n == null || n.isNull() ? fallback : positive(n, key, where);
    }

    private static int positive(JsonNode n, String key, String where) {
        if (!n.canConvertToInt() || n.asInt() <= 0) throw new BambooException(where + ": '" + key + "' must be a positive integer, found " + n);
        return n.asInt();
    }
}
