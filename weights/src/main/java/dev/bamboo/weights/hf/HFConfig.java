package dev.bamboo.weights.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.JsonFields;
import dev.bamboo.weights.io.JsonFiles;
import dev.bamboo.weights.io.PathKind;
import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.RopeLayout;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Hugging Face {@code config.json} of a Llama-family model ({@code llama}, {@code mistral}, {@code bamboo},
 * {@code sparsellama}), in the transformers-4 form ({@code rope_theta} at top level) and the transformers-5 form
 * ({@code rope_parameters.rope_theta}).
 */
public final class HFConfig {
    public static final List<String> MODEL_TYPES = List.of("llama", "mistral", "bamboo", "sparsellama");

    private HFConfig() {}

    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        PathKind kind = PathKind.of(file);
        if (kind != PathKind.FILE) {
            throw new BambooException(dir + ": " + (kind == PathKind.MISSING ? "no config.json" : "config.json " + kind.phrase())
                    + "; a Hugging Face model directory needs config.json next to its weights");
        }
        return parse(JsonFiles.readObject(file, "fix it or download the model again"), file.toString());
    }

    /** Wider attention projections than any model has: beyond it, sizes computed in ints would overflow. */
    private static final long MAX_WIDTH = 1 << 24;

    static ModelConfig parse(JsonNode c, String where) {
        String type = c.path("model_type").asText("");
        if (!c.has("model_type")) {
            throw new BambooException(where + " has no model_type, so this is not a model folder (predictors are read from the predictor/ folder inside a model folder); "
                    + "pass the folder holding the model's config.json and weights");
        }
        if (!MODEL_TYPES.contains(type)) {
            throw new BambooException(where + ": model_type '" + type + "' is not supported; Bamboo runs " + String.join(", ", MODEL_TYPES));
        }
        int hidden = requiredInt(c, "hidden_size", where);
        int heads = requiredInt(c, "num_attention_heads", where);
        int layers = requiredInt(c, "num_hidden_layers", where);
        int ffn = requiredInt(c, "intermediate_size", where);
        int vocab = requiredInt(c, "vocab_size", where);
        int kvHeads = JsonFields.positiveInteger(c, at(where), "num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw new BambooException(where + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = JsonFields.positiveInteger(c, at(where), "head_dim", hidden / heads);
        if ((long) heads * headDim > MAX_WIDTH) {
            throw new BambooException(where + ": num_attention_heads " + heads + " × head_dim " + headDim + " is absurdly wide; the config is corrupt");
        }
        if (headDim % 2 != 0) throw new BambooException(where + ": head_dim " + headDim + " is odd; RoPE needs pairs of dimensions, so the config is wrong");
        refuseUnsupported(c, where);
        double eps = JsonFields.number(c, at(where), "rms_norm_eps", 1e-6);
        double theta = ropeTheta(c, where);
        // checked as the floats the model computes with: 1e39 would become infinity there, 1e-50 zero
        float epsValue = (float) eps, thetaValue = (float) theta;
        if (!(epsValue > 0) || !(thetaValue > 0) || !Float.isFinite(epsValue) || !Float.isFinite(thetaValue)) {
            throw new BambooException(where + ": rms_norm_eps " + eps + " and rope_theta " + theta
                    + " must be positive numbers a float holds (about 1.4e-45 to 3.4e38); the config is corrupt");
        }
        int context = JsonFields.positiveInteger(c, at(where), "max_position_embeddings", 2048);
        // Mistral-style models attend to the last sliding_window tokens; Llama ignores the key.
        int window = type.equals("llama") || type.equals("sparsellama") ? 0 : slidingWindow(c, type, layers, where);
        if (window >= context) window = 0;
        boolean tied = JsonFields.bool(c, at(where), "tie_word_embeddings", false);
        FfnKind ffnKind = ffnKind(c, type, where);
        int bos = tokenId(c, "bos_token_id", 1, vocab, where);
        int eos = tokenId(c, "eos_token_id", 2, vocab, where);
        return new ModelConfig(type.equals("sparsellama") ? "llama" : type, vocab, hidden, ffn, layers, heads, kvHeads, headDim,
                epsValue, thetaValue, RopeLayout.ROTATE_HALF, context, window, tied, ffnKind, bos, eos);
    }

    /**
     * The attention window of a {@code mistral} or {@code bamboo} config, 0 for none. An absent key is MistralConfig's
     * default, 4096, for {@code mistral}; null or 0 means no window. transformers reads a {@code mistral} config with
     * {@code layer_types} as Ministral's, whose {@code full_attention} layers have no window: a model whose layers all
     * attend alike runs, one that mixes the kinds is refused (Bamboo runs one kind of attention in every layer).
     */
    private static int slidingWindow(JsonNode c, String type, int layers, String where) {
        JsonNode w = c.get("sliding_window");
        int window;
        if (w == null) window = type.equals("mistral") ? MISTRAL_DEFAULT_WINDOW : 0;
        else if (w.isNull() || w.isIntegralNumber() && w.canConvertToInt() && w.asInt() == 0) window = 0;
        else window = JsonFields.positiveInteger(c, at(where), "sliding_window", 0);
        JsonNode kinds = c.get("layer_types");
        if (!type.equals("mistral") || kinds == null || kinds.isNull()) return window;
        Set<String> seen = new TreeSet<>();
        for (JsonNode kind : kinds) seen.add(kind.asText(""));
        if (!kinds.isArray() || kinds.size() != layers || !Set.of("full_attention", "sliding_attention").containsAll(seen)) {
            throw new BambooException(where + ": layer_types must list full_attention or sliding_attention for each of the " + layers
                    + " layers, found " + kinds + "; the config is corrupt");
        }
        if (seen.size() > 1) {
            throw new BambooException(where + ": layer_types mixes full_attention and sliding_attention layers (a Ministral model), and Bamboo runs "
                    + "the same attention in every layer; use a model whose layers all attend alike");
        }
        return seen.contains("full_attention") ? 0 : window;
    }

    /** MistralConfig's {@code sliding_window} when config.json has no such key. */
    private static final int MISTRAL_DEFAULT_WINDOW = 4096;

    /**
     * Settings that change the model's arithmetic and that Bamboo does not implement: scaled RoPE (linear, dynamic, YaRN,
     * Llama 3) and attention or MLP biases. Running such a model as if they were absent gives wrong text without a
     * word, so they are refused.
     */
    private static void refuseUnsupported(JsonNode c, String where) {
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode rope = c.get(key);
            if (rope == null || rope.isNull()) continue;
            if (!rope.isObject()) throw new BambooException(where + ": '" + key + "' must be an object or null, found " + rope + "; the config is corrupt");
            String kind = rope.path("rope_type").asText(rope.path("type").asText("default"));
            boolean unscaled = kind.equals("default") || (kind.equals("linear") || kind.equals("dynamic")) && rope.path("factor").asDouble(0) == 1.0;
            if (!unscaled) {
                throw new BambooException(where + ": RoPE scaling '" + kind + "' is not supported (Bamboo runs unscaled RoPE); use a model without rope_scaling");
            }
        }
        for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
            if (JsonFields.bool(c, at(where), bias, false)) {
                throw new BambooException(where + ": " + bias + " is true, and Bamboo runs Llama-family layers without biases; use a model without them");
            }
        }
    }

    /**
     * The RoPE base. transformers 5 takes it from the RoPE object ({@code rope_scaling} when set, else
     * {@code rope_parameters}), then from the top-level {@code rope_theta}; transformers 4 only from the top level. A
     * config whose places disagree would run as different models in different versions, so it is refused, not guessed.
     */
    private static double ropeTheta(JsonNode c, String where) {
        Map<String, Double> written = new LinkedHashMap<>();
        for (String object : new String[] {"rope_scaling", "rope_parameters"}) {
            if (c.path(object).hasNonNull("rope_theta")) written.put(object + ".rope_theta", JsonFields.number(c.get(object), at(where) + object + ".", "rope_theta", 0));
        }
        if (c.hasNonNull("rope_theta")) written.put("rope_theta", JsonFields.number(c, at(where), "rope_theta", 0));
        String object = c.hasNonNull("rope_scaling") ? "rope_scaling" : "rope_parameters";
        double read = written.getOrDefault(object + ".rope_theta", written.getOrDefault("rope_theta", DEFAULT_ROPE_THETA));
        if (written.values().stream().anyMatch(v -> v != read)) {
            throw new BambooException(where + ": the RoPE base is written as "
                    + written.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))
                    + (written.containsValue(read) ? "" : " and transformers reads " + read + " (" + object + " without one)")
                    + ", and transformers versions read different ones; write the model's RoPE base in one place");
        }
        return read;
    }

    private static final double DEFAULT_ROPE_THETA = 10000.0;

    private static FfnKind ffnKind(JsonNode c, String type, String where) {
        String act = c.path("hidden_act").asText("silu");
        return switch (act) {
            case "silu", "swish" -> new FfnKind.SwiGLU();
            case "relu" -> type.equals("bamboo") ? new FfnKind.DReLU() : new FfnKind.ReGLU();
            case "fatrelu" -> new FfnKind.FatReLU((float) JsonFields.number(c, at(where), "hidden_act_param", 0.0));
            default -> throw new BambooException(where + ": hidden_act '" + act + "' is not supported; Bamboo runs silu, relu and fatrelu FFNs");
        };
    }

    /** A token id (the first of a list: the others are stop tokens too, which the runtime reads), within the vocabulary. */
    private static int tokenId(JsonNode c, String key, int fallback, int vocab, String where) {
        JsonNode n = c.get(key);
        if (n != null && n.isArray()) n = n.isEmpty() ? null : n.get(0);
        if (n == null || n.isNull()) return fallback;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() >= vocab) {
            throw new BambooException(where + ": " + key + " " + n + " is not a token id of the vocabulary of " + vocab + "; the config is wrong");
        }
        return n.asInt();
    }

    private static int requiredInt(JsonNode c, String key, String where) {
        if (!c.hasNonNull(key)) throw new BambooException(where + ": required field '" + key + "' is missing; the config is incomplete");
        return JsonFields.positiveInteger(c, at(where), key, 0);
    }

    /** How a field's error starts: the file, then the field (see {@link JsonFields}). */
    private static String at(String where) {
        return where + ": ";
    }
}
