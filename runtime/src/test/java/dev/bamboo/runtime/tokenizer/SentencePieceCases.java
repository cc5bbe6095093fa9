package dev.bamboo.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The reference cases: text, SentencePiece's ids for it, and SentencePiece's decode of those ids. */
record SentencePieceCases(int vocabSize, int bos, int eos, int unk, List<Case> cases, List<Decoded> idSequences) {

    /** Ids (any, not only what an encode gives) and SentencePiece's decode of them. */
    record Decoded(int index, int[] ids, String decoded) {}

    record Case(int index, String text, int[] ids, String decoded) {
        @Override
        public String toString() {
            return "case " + index + " " + new ObjectMapper().valueToTree(text);
        }
    }

    static SentencePieceCases read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root.path("cases")) {
            cases.add(new Case(cases.size(), c.path("text").asText(), ints(c.path("ids")), c.path("decoded").asText()));
        }
        List<Decoded> sequences = new ArrayList<>();
        for (JsonNode d : root.path("id_sequences")) {
            sequences.add(new Decoded(sequences.size(), ints(d.path("ids")), d.path("decoded").asText()));
        }
        return new SentencePieceCases(root.path("vocab_size").asInt(), root.path("bos_id").asInt(),
                root.path("eos_id").asInt(), root.path("unk_id").asInt(), cases, sequences);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /** Describes every case where the tokenizer's ids or decoded text differ from SentencePiece's. */
    List<String> mismatches(Tokenizer tokenizer) {
        List<String> out = new ArrayList<>();
        for (Case c : cases) {
            int[] ids = tokenizer.encode(c.text());
            if (!Arrays.equals(ids, c.ids())) {
                out.add(c + ": ids " + Arrays.toString(ids) + " expected " + Arrays.toString(c.ids()));
            }
            String decoded = tokenizer.decode(c.ids());
            if (!decoded.equals(c.decoded())) {
                out.add(c + ": decoded " + new ObjectMapper().valueToTree(decoded) + " expected "
                        + new ObjectMapper().valueToTree(c.decoded()));
            }
        }
        for (Decoded d : idSequences) {
            String decoded = tokenizer.decode(d.ids());
            if (!decoded.equals(d.decoded())) {
                out.add("id sequence " + d.index() + " " + Arrays.toString(d.ids()) + ": decoded " + new ObjectMapper().valueToTree(decoded)
                        + " expected " + new ObjectMapper().valueToTree(d.decoded()));
            }
        }
        return out;
    }
}
