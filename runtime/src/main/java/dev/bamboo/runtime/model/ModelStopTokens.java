package dev.bamboo.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bamboo.runtime.generate.StopTokens;
import dev.bamboo.runtime.tokenizer.TokenType;
import dev.bamboo.runtime.tokenizer.Tokenizer;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.gguf.GGUFMetadata;
import dev.bamboo.weights.io.JsonFiles;
import dev.bamboo.weights.model.LoadedModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Where a model's stop tokens come from, as transformers and llama.cpp gather them: the config's end-of-sequence id (a
 * Hugging Face {@code eos_token_id} may be a list, and {@code generation_config.json} may name others), the tokenizer's
 * EOS (and {@code tokenizer_config.json}'s {@code eos_token}), GGUF's end-of-turn ids, and the end-of-turn markers chat fine-tunes add to a vocabulary ({@code <|im_end|>} ends a
 * ChatML reply even where the config's EOS is {@code </s>}).
 */
final class ModelStopTokens {
    private ModelStopTokens() {}

    /** llama.cpp's end-of-turn texts; they count only as control or added tokens, never as ordinary text pieces. */
    private static final List<String> END_OF_TURN = List.of("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<EOT>", "<|end_of_text|>");

    static StopTokens of(LoadedModel loaded, Tokenizer tokenizer) {
        IntStream.Builder ids = IntStream.builder();
        ids.add(loaded.config().eosToken());
        if (tokenizer.vocabulary().eos() >= 0) ids.add(tokenizer.vocabulary().eos());
        Path path = loaded.path();
        int vocab = loaded.config().vocabSize();
        if (Files.isDirectory(path)) {
            addIds(ids, path.resolve("config.json"), vocab);
            addIds(ids, path.resolve("generation_config.json"), vocab);
            addEosToken(ids, path.resolve("tokenizer_config.json"), tokenizer);
        }
        loaded.ggufMetadata().ifPresent(m -> {
            add(ids, m, "tokenizer.ggml.eot_token_id");
            add(ids, m, "tokenizer.ggml.eom_token_id");
        });
        for (int id : endOfTurnMarkers(tokenizer)) ids.add(id);
        return StopTokens.of(ids.build().filter(id -> id < vocab).toArray());
    }

    /** The ids of llama.cpp's end-of-turn texts that are control or added tokens of this tokenizer. */
    static int[] endOfTurnMarkers(Tokenizer tokenizer) {
        return END_OF_TURN.stream().mapToInt(tokenizer::pieceId)
                .filter(id -> id >= 0 && (tokenizer.type(id) == TokenType.CONTROL || tokenizer.type(id) == TokenType.USER_DEFINED))
                .toArray();
    }

    /** Every id of a Hugging Face JSON file's {@code eos_token_id}, a number or a list of numbers. */
    private static void addIds(IntStream.Builder ids, Path json, int vocab) {
        if (!Files.isRegularFile(json)) return;
        JsonNode eos = JsonFiles.readObject(json, "fix or remove it").get("eos_token_id");
        if (eos == null || eos.isNull()) return;
        for (JsonNode id : eos.isArray() ? eos : List.of(eos)) {
            // strictly, as transformers reads it: a corrupt id is an error, not a stop token quietly dropped
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw new BambooException(json + ": eos_token_id holds " + id + ", which is not a token id; fix or remove it");
            }
            if (id.intValue() >= vocab) {
                throw new BambooException(json + ": eos_token_id holds " + id + ", outside the model's vocabulary of " + vocab + "; fix or remove it");
            }
            ids.add(id.intValue());
        }
    }

    /** The id of tokenizer_config.json's {@code eos_token} (text, or an AddedToken object): a ChatML fine-tune names {@code <|im_end|>} there. */
    private static void addEosToken(IntStream.Builder ids, Path json, Tokenizer tokenizer) {
        if (!Files.isRegularFile(json)) return;
        JsonNode eos = JsonFiles.readObject(json, "fix or remove it").get("eos_token");
        if (eos != null && eos.isObject()) eos = eos.get("content");
        if (eos != null && eos.isTextual()) ids.add(tokenizer.pieceId(eos.asText()));
    }

    private static void add(IntStream.Builder ids, GGUFMetadata m, String key) {
        m.intValue(key).ifPresent(v -> ids.add((int) Math.max(-1, Math.min(Integer.MAX_VALUE, v))));
    }
}
