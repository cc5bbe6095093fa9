package dev.bamboo.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.JsonFields;
import dev.bamboo.weights.io.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Builds a {@link Tokenizer} from a model directory, a single file, or GGUF metadata. */
public final class TokenizerLoader {
    private static final String LLAMA_GGUF_MODEL = "llama";

    private TokenizerLoader() {
    }

    /**
     * The tokenizer of a Hugging Face model directory: {@code tokenizer.model} if present (with the tokens that
     * {@code tokenizer_config.json}'s {@code added_tokens_decoder} or {@code added_tokens.json} add past its pieces), else
     * {@code tokenizer.json}; {@code tokenizer_config.json} (optional) supplies add_bos_token and the BOS/EOS pieces for
     * tokenizer.json.
     */
    public static Tokenizer fromDirectory(Path dir) {
        return fromDirectory(dir, Integer.MAX_VALUE);
    }

    /** {@link #fromDirectory(Path)} for a model of {@code modelVocab} tokens: added tokens past it are left out. */
    public static Tokenizer fromDirectory(Path dir, int modelVocab) {
        Path model = dir.resolve("tokenizer.model");
        Path json = dir.resolve("tokenizer.json");
        TokenizerConfig config = TokenizerConfig.read(dir.resolve("tokenizer_config.json"));
        if (Files.isRegularFile(model)) {
            return SentencePieceModelReader.read(model, config.addBos(), addedTokens(dir, config, modelVocab));
        }
        if (Files.isRegularFile(json)) {
            return HuggingFaceTokenizerReader.read(json, config.bosToken(), config.eosToken(), config.addBos());
        }
        for (Path file : List.of(model, json)) {
            if (Files.exists(file)) {
                throw new BambooException(file + " is " + (Files.isDirectory(file) ? "a folder" : "a device, pipe or socket")
                        + ", not a tokenizer file; put the model's " + file.getFileName() + " there");
            }
        }
        throw new BambooException("no tokenizer in " + dir + ": it needs tokenizer.model or tokenizer.json");
    }

    /**
     * {@code added_tokens_decoder}'s tokens, and {@code added_tokens.json}'s (not special) where that one names no id;
     * those at ids the model has no row for ({@code modelVocab} and up, such as the {@code <pad>} many Llama-2 folders
     * add) are left out: the model can neither read nor produce them.
     */
    private static List<AddedToken> addedTokens(Path dir, TokenizerConfig config, int modelVocab) {
        List<AddedToken> added = new ArrayList<>();
        config.addedTokensDecoder().properties().forEach(e -> {
            JsonNode content = e.getValue().path("content");
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException notAnId) {
                id = -1;
            }
            if (id < 0 || !content.isTextual()) {
                throw new BambooException(config.file() + ": added_tokens_decoder entry '" + e.getKey() + "' is not a token id with a content; fix or remove it");
            }
            boolean special;
            try {
                special = JsonFields.bool(e.getValue(), "added_tokens_decoder['" + e.getKey() + "'].", "special", false);
            } catch (BambooException wrong) {
                throw new BambooException(config.file() + ": " + wrong.getMessage());
            }
            added.add(new AddedToken(id, content.asText(), special));
        });
        Path file = dir.resolve("added_tokens.json");
        if (Files.isRegularFile(file)) {
            JsonNode root = JsonFiles.readObject(file, "fix or remove it");
            Set<Integer> known = added.stream().map(AddedToken::id).collect(Collectors.toSet());
            root.properties().forEach(e -> {
                if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                    throw new BambooException(file + ": the id of '" + e.getKey() + "' is not a token id (" + e.getValue() + "); fix or remove the file");
                }
                if (known.add(e.getValue().asInt())) added.add(new AddedToken(e.getValue().asInt(), e.getKey(), false));
            });
        }
        added.removeIf(t -> t.id() >= modelVocab);
        added.sort(Comparator.comparingInt(AddedToken::id));
        return added;
    }

    /** A SentencePiece {@code tokenizer.model} file. */
    public static Tokenizer fromSentencePieceModel(Path file, boolean addBos) {
        if (!Files.isRegularFile(file)) {
            throw new BambooException("tokenizer file " + file + " does not exist");
        }
        return SentencePieceModelReader.read(file, addBos);
    }

    /** A Hugging Face {@code tokenizer.json} file with the given BOS/EOS pieces (e.g. "&lt;s&gt;", "&lt;/s&gt;"). */
    public static Tokenizer fromHuggingFaceJson(Path file, String bosPiece, String eosPiece, boolean addBos) {
        if (!Files.isRegularFile(file)) {
            throw new BambooException("tokenizer file " + file + " does not exist");
        }
        return HuggingFaceTokenizerReader.read(file, bosPiece, eosPiece, addBos);
    }

    /**
     * The tokenizer described by GGUF metadata ({@code tokenizer.ggml.*}), given as plain values.
     *
     * @param model          tokenizer.ggml.model; must be "llama" (SentencePiece BPE), null is taken as "llama"
     * @param tokens         tokenizer.ggml.tokens
     * @param scores         tokenizer.ggml.scores, or null (all zero)
     * @param tokenTypes     tokenizer.ggml.token_type (1..6 as {@link TokenType}), or null (told from the pieces: see
     *                       {@link #typeByText})
     * @param bosId          tokenizer.ggml.bos_token_id, or null (1)
     * @param eosId          tokenizer.ggml.eos_token_id, or null (2)
     * @param unkId          tokenizer.ggml.unknown_token_id, or null (0)
     * @param addBos         tokenizer.ggml.add_bos_token, or null (true)
     * @param addSpacePrefix tokenizer.ggml.add_space_prefix, or null (true)
     */
    public static Tokenizer fromGgufArrays(String model, String[] tokens, float[] scores, int[] tokenTypes,
                                           Integer bosId, Integer eosId, Integer unkId,
                                           Boolean addBos, Boolean addSpacePrefix) {
        if (model != null && !LLAMA_GGUF_MODEL.equals(model)) {
            throw new BambooException("GGUF tokenizer model '" + model + "' is not supported; only 'llama' (SentencePiece BPE) is");
        }
        if (tokens == null || tokens.length == 0) {
            throw new BambooException("GGUF file has no tokenizer.ggml.tokens: convert the model with its tokenizer");
        }
        int n = tokens.length;
        float[] s = scores != null ? scores : new float[n];
        TokenType[] types = new TokenType[n];
        if (tokenTypes != null && tokenTypes.length != n) {
            throw new BambooException("GGUF tokenizer has " + n + " tokens but " + tokenTypes.length + " token types: the file is corrupt");
        }
        int unk = unkId == null ? 0 : unkId, bos = bosId == null ? 1 : bosId, eos = eosId == null ? 2 : eosId;
        for (int i = 0; i < n; i++) {
            types[i] = tokenTypes != null ? TokenType.ofCode(tokenTypes[i]) : typeByText(tokens[i], i, unk, bos, eos);
        }
        Vocabulary vocabulary = new Vocabulary(tokens, s, types, unk, bos, eos);
        boolean prefix = addSpacePrefix == null || addSpacePrefix;
        TextNormalizer normalizer = new TextNormalizer(
                prefix ? TextNormalizer.DummyPrefix.ALWAYS : TextNormalizer.DummyPrefix.NONE, false, true);
        // the SentencePiece model the file was converted from joins a run of unknown pieces into one
        return new Tokenizer(vocabulary, normalizer, new MergeRule.ByScore(vocabulary), vocabulary.hasBytePieces(), true,
                false, addBos == null || addBos, prefix, false);
    }

    /**
     * A piece's type when the file gives none: {@code <0xHH>} pieces are the byte fallback's (llama.cpp finds them by
     * their text too, so newlines do not become unknown), the named specials are control or unknown, the rest normal.
     */
    static TokenType typeByText(String piece, int id, int unk, int bos, int eos) {
        if (id == bos || id == eos) return TokenType.CONTROL;
        if (id == unk) return TokenType.UNKNOWN;
        return BytePiece.parse(piece) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
    }

    /** The parts of tokenizer_config.json that matter here; defaults when the file is absent. */
    record TokenizerConfig(Path file, boolean addBos, String bosToken, String eosToken, JsonNode addedTokensDecoder) {
        static TokenizerConfig read(Path file) {
            if (!Files.isRegularFile(file)) {
                return new TokenizerConfig(file, true, "<s>", "</s>", MissingNode.getInstance());
            }
            JsonNode root = JsonFiles.readObject(file, "fix or remove it");
            try {
                JsonNode added = root.path("added_tokens_decoder");
                if (!added.isMissingNode() && !added.isNull() && !added.isObject()) {
                    throw new BambooException("added_tokens_decoder is " + (added.isArray() ? "a list" : added.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                            + ", not an object of token ids; the file is corrupt");
                }
                return new TokenizerConfig(file, JsonFields.bool(root, "", "add_bos_token", true),
                        token(root.path("bos_token"), "<s>"), token(root.path("eos_token"), "</s>"), added);
            } catch (BambooException e) {
                throw new BambooException(file + ": " + e.getMessage());
            }
        }

        /** A token is written either as a string or as an AddedToken object with "content". */
        private static String token(JsonNode node, String fallback) {
            if (node.isTextual()) {
                return node.asText();
            }
            if (node.isObject() && node.path("content").isTextual()) {
                return node.path("content").asText();
            }
            return fallback;
        }
    }
}
