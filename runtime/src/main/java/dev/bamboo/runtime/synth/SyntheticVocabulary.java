package dev.bamboo.runtime.synth;

import dev.bamboo.runtime.tokenizer.BytePiece;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.gguf.GGUFValue;
import dev.bamboo.weights.gguf.GGUFValueType;
import dev.bamboo.weights.gguf.GGUFWriter;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A minimal valid SentencePiece-style vocabulary for synthetic models: {@code <unk>}, {@code <s>}, {@code </s>},
 * the 256 byte pieces {@code <0x00>..<0xFF>} (so any text can be encoded), then filler pieces — single characters,
 * "▁"-prefixed characters, then ever longer letter strings — with decreasing scores, up to the model's vocabulary size.
 */
final class SyntheticVocabulary {
    static final int MIN_SIZE = 3 + 256 + 1;
    private static final String SPACE = "\u2581";
    private static final String ALPHABET = "etaoinshrdlcumwfgypbvkjxqz";

    private SyntheticVocabulary() {}

    static List<String> pieces(int size) {
        if (size < MIN_SIZE) throw new BambooException("a vocabulary of " + size + " tokens is too small: it needs at least " + MIN_SIZE);
        Set<String> out = new LinkedHashSet<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) out.add(BytePiece.of(b));
        List<String> chars = new ArrayList<>();
        chars.add(SPACE);
        for (char c : (ALPHABET + ALPHABET.toUpperCase(Locale.ROOT) + "0123456789.,;:!?'\"-()").toCharArray()) chars.add(String.valueOf(c));
        for (String c : chars) if (out.size() < size) out.add(c);
        for (String c : chars) if (out.size() < size && !c.equals(SPACE)) out.add(SPACE + c);
        List<String> words = new ArrayList<>();
        for (char c : ALPHABET.toCharArray()) words.add(String.valueOf(c));
        while (out.size() < size) {
            List<String> longer = new ArrayList<>();
            for (String w : words) {
                for (char c : ALPHABET.toCharArray()) {
                    String x = w + c;
                    longer.add(x);
                    if (out.size() < size) out.add(SPACE + x);
                    if (out.size() < size) out.add(x);
                }
                if (out.size() >= size) break;
            }
            words = longer;
        }
        return List.copyOf(out);
    }

    /** Writes the {@code tokenizer.ggml.*} keys. */
    static void put(GGUFWriter w, int size) {
        List<String> pieces = pieces(size);
        List<Float> scores = new ArrayList<>(size);
        List<Integer> types = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            scores.add(i < 259 ? 0f : (float) -(i - 259));
            types.add(i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1); // unknown, control, byte, normal
        }
        w.put("tokenizer.ggml.model", GGUFValue.ofString("llama"));
        w.put("tokenizer.ggml.tokens", GGUFValue.ofArray(GGUFValueType.STRING, pieces));
        w.put("tokenizer.ggml.scores", GGUFValue.ofArray(GGUFValueType.FLOAT32, scores));
        w.put("tokenizer.ggml.token_type", GGUFValue.ofArray(GGUFValueType.INT32, types));
        w.put("tokenizer.ggml.bos_token_id", GGUFValue.ofUInt32(1));
        w.put("tokenizer.ggml.eos_token_id", GGUFValue.ofUInt32(2));
        w.put("tokenizer.ggml.unknown_token_id", GGUFValue.ofUInt32(0));
    }
}
