package dev.bamboo.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.JsonFields;
import dev.bamboo.weights.io.JsonFiles;
import dev.bamboo.weights.io.MessageText;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} of the Llama/Mistral kind: a BPE model with byte fallback whose dummy
 * prefix and space escaping come either from a Metaspace pre-tokenizer or from a Prepend + Replace normalizer.
 *
 * <p>Deliberate differences from the tokenizers library: added tokens marked special are never matched in plain text
 * (the library would turn "&lt;s&gt;" in a prompt into BOS), and non-special added tokens are matched in place like
 * SentencePiece user-defined pieces (the library splits the text around them and prefixes each part separately).
 * Decoding follows SentencePiece (see {@link StreamingDecoder}).
 */
final class HuggingFaceTokenizerReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceTokenizerReader() {
    }

    /**
     * @param bosPiece text of the BOS token (tokenizer_config.json bos_token), may be null
     * @param eosPiece text of the EOS token, may be null
     */
    static Tokenizer read(Path file, String bosPiece, String eosPiece, boolean addBos) {
        JsonNode root = JsonFiles.readObject(file, "download it again");
        try {
            return build(root, bosPiece, eosPiece, addBos);
        } catch (BambooException e) {
            throw new BambooException(file + ": " + e.getMessage());
        }
    }

    private static Tokenizer build(JsonNode root, String bosPiece, String eosPiece, boolean addBos) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new BambooException("the tokenizer model is '" + model.path("type").asText("missing")
                    + "'; only BPE tokenizers (Llama, Mistral) are supported");
        }
        boolean byteFallback = JsonFields.bool(model, "model.", "byte_fallback", false);
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) {
            throw new BambooException("model.vocab is missing or empty: the file is corrupt");
        }
        Map<Integer, String> byId = new HashMap<>();
        Map<Integer, TokenType> addedTypes = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            putPiece(byId, JsonFields.integer(e.getValue(), "the id of vocabulary piece '" + MessageText.shortened(e.getKey(), 40) + "'"), e.getKey());
        }
        String unkPiece = JsonFields.text(model, "model.", "unk_token");
        int index = 0;
        for (JsonNode added : JsonFields.array(root, "", "added_tokens")) {
            String where = "added_tokens[" + index++ + "].";
            if (!added.isObject()) throw new BambooException(where.substring(0, where.length() - 1) + " is not an object: the file is corrupt");
            int id = JsonFields.integer(added, where, "id", -1);
            String content = JsonFields.text(added, where, "content");
            if (content == null) throw new BambooException(where + "content is missing: the file is corrupt");
            putPiece(byId, id, content);
            boolean special = JsonFields.bool(added, where, "special", false);
            addedTypes.put(id, special ? TokenType.CONTROL : TokenType.USER_DEFINED);
            if (special && unkPiece == null && "<unk>".equals(content)) {
                unkPiece = content;
            }
        }
        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (size != byId.size()) {
            throw new BambooException("the vocabulary ids are not contiguous (" + byId.size() + " pieces, largest id "
                    + (size - 1) + "): the file is corrupt");
        }
        String[] pieces = new String[size];
        TokenType[] types = new TokenType[size];
        for (int id = 0; id < size; id++) {
            pieces[id] = byId.get(id);
            types[id] = addedTypes.getOrDefault(id, TokenType.NORMAL);
            if (types[id] == TokenType.NORMAL && byteFallback && BytePiece.parse(pieces[id]) >= 0) {
                types[id] = TokenType.BYTE;
            }
        }
        int unk = indexOf(pieces, unkPiece);
        if (unk >= 0) {
            types[unk] = TokenType.UNKNOWN;
        }
        // Scores only order merges in SentencePiece; here the merges list does, so -id is a faithful stand-in.
        float[] scores = new float[size];
        for (int id = 0; id < size; id++) {
            scores[id] = -id;
        }
        Vocabulary vocabulary = new Vocabulary(pieces, scores, types, unk, indexOf(pieces, bosPiece), indexOf(pieces, eosPiece));
        MergeRule rule = new MergeRule.ByRank(readMerges(model.path("merges"), vocabulary));

        Layout layout = readLayout(root);
        return new Tokenizer(vocabulary, new TextNormalizer(layout.prefix, false, true), rule, byteFallback, JsonFields.bool(model, "model.", "fuse_unk", false),
                layout.split, addBos, layout.stripOnDecode, false);
    }

    private static void putPiece(Map<Integer, String> byId, int id, String piece) {
        if (id < 0) {
            throw new BambooException("piece '" + piece + "' has no valid id: the file is corrupt");
        }
        String old = byId.put(id, piece);
        if (old != null && !old.equals(piece)) {
            throw new BambooException("id " + id + " is both '" + old + "' and '" + piece + "': the file is corrupt");
        }
    }

    private static int indexOf(String[] pieces, String piece) {
        if (piece != null) {
            for (int i = 0; i < pieces.length; i++) {
                if (pieces[i].equals(piece)) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static Map<Long, Long> readMerges(JsonNode merges, Vocabulary vocabulary) {
        // without merges BPE would spell every text out in single characters: a damaged file, not a tokenizer
        if (!merges.isArray() || merges.isEmpty()) {
            throw new BambooException("model.merges is " + (merges.isMissingNode() ? "missing" : "empty or not a list")
                    + ": the file is corrupt; download tokenizer.json again");
        }
        Map<Long, Long> ranks = new HashMap<>();
        int rank = 0;
        for (JsonNode m : merges) {
            String left;
            String right;
            if (m.isArray() && m.size() == 2) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else if (m.isTextual() && m.asText().indexOf(' ') > 0) {
                left = m.asText().substring(0, m.asText().indexOf(' '));
                right = m.asText().substring(m.asText().indexOf(' ') + 1);
            } else {
                throw new BambooException("merge " + rank + " is " + m + ", not a pair of pieces: the file is corrupt");
            }
            int l = vocabulary.anyPieceId(left);
            int r = vocabulary.anyPieceId(right);
            int merged = vocabulary.anyPieceId(left + right);
            if (l < 0 || r < 0 || merged < 0) {
                throw new BambooException("merge " + rank + " ('" + left + "', '" + right + "') uses pieces missing from the vocabulary: the file is corrupt");
            }
            // Text must never turn into a control token, so merges that would build one are left out.
            if (vocabulary.type(merged) != TokenType.CONTROL) {
                ranks.put(MergeRule.ByRank.key(l, r), ((long) rank << 32) | merged);
            }
            rank++;
        }
        return ranks;
    }

    /** How the text is prefixed and split before BPE, and whether decode drops the leading space. */
    private record Layout(TextNormalizer.DummyPrefix prefix, boolean split, boolean stripOnDecode) { }

    private static Layout readLayout(JsonNode root) {
        JsonNode normalizer = root.path("normalizer");
        JsonNode pre = root.path("pre_tokenizer");
        boolean strip = decoderStripsPrefix(root.path("decoder"));
        if (!normalizer.isMissingNode() && !normalizer.isNull()) {
            // Llama's older conversion: Sequence[Prepend("▁"), Replace(" ", "▁")], no pre-tokenizer.
            // exactly those steps: any other (a Prepend of " ", a second Replace) would change the text, and ignoring it
            // would give other ids than the tokenizer's own
            int prepends = 0;
            int replaces = 0;
            for (JsonNode n : normalizer.path("type").asText().equals("Sequence") ? normalizer.path("normalizers") : JSON.createArrayNode().add(normalizer)) {
                boolean known = switch (n.path("type").asText()) {
                    case "Prepend" -> "\u2581".equals(n.path("prepend").asText()) && ++prepends == 1;
                    case "Replace" -> " ".equals(n.path("pattern").path("String").asText()) && "\u2581".equals(n.path("content").asText()) && ++replaces == 1;
                    default -> false;
                };
                if (!known) {
                    throw new BambooException("unsupported normalizer step " + n + "; only Llama/Mistral-style tokenizers (Prepend(\"\u2581\") and "
                            + "Replace(\" \", \"\u2581\"), or a Metaspace pre-tokenizer) are supported");
                }
            }
            boolean prepend = prepends == 1, replace = replaces == 1;
            if (!replace || !(pre.isMissingNode() || pre.isNull())) {
                throw new BambooException("unsupported combination of normalizer and pre_tokenizer; only Llama/Mistral-style tokenizers are supported");
            }
            return new Layout(prepend ? TextNormalizer.DummyPrefix.ALWAYS : TextNormalizer.DummyPrefix.NONE, false, strip);
        }
        if (!"Metaspace".equals(pre.path("type").asText())) {
            throw new BambooException("unsupported pre_tokenizer '" + pre.path("type").asText("none")
                    + "'; only Llama/Mistral-style tokenizers (Metaspace) are supported");
        }
        if (!"\u2581".equals(pre.path("replacement").asText("\u2581"))) {
            throw new BambooException("Metaspace replacement '" + pre.path("replacement").asText() + "' is not U+2581");
        }
        String scheme = pre.has("prepend_scheme") ? pre.path("prepend_scheme").asText()
                : JsonFields.bool(pre, "pre_tokenizer.", "add_prefix_space", true) ? "always" : "never";
        TextNormalizer.DummyPrefix prefix = switch (scheme) {
            // "first" differs from "always" only across several pre-tokenized parts; we encode one part.
            case "always", "first" -> TextNormalizer.DummyPrefix.UNLESS_LEADING_SPACE;
            case "never" -> TextNormalizer.DummyPrefix.NONE;
            default -> throw new BambooException("unknown Metaspace prepend_scheme '" + scheme + "'");
        };
        return new Layout(prefix, JsonFields.bool(pre, "pre_tokenizer.", "split", true), strip);
    }

    /** A Strip decoder removing a leading space, or a Metaspace decoder that adds a prefix, undoes the dummy prefix. */
    private static boolean decoderStripsPrefix(JsonNode decoder) {
        if ("Sequence".equals(decoder.path("type").asText())) {
            for (JsonNode d : decoder.path("decoders")) {
                if (decoderStripsPrefix(d)) {
                    return true;
                }
            }
            return false;
        }
        return switch (decoder.path("type").asText()) {
            case "Strip" -> " ".equals(decoder.path("content").asText()) && decoder.path("start").asInt(0) > 0;
            case "Metaspace" -> !"never".equals(decoder.path("prepend_scheme").asText("always"))
                    && decoder.path("add_prefix_space").asBoolean(true);
            default -> false;
        };
    }

}
