package dev.bamboo.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The reference cases: text, SentencePiece's ids for it, and SentencePiece's decode of those ids. */
record SentencePieceCases(int vocabSize, int bos, int eos, int unk, List<Case> cases) {

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
            int[] ids = new int[c.path("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = c.path("ids").get(i).asInt();
            }
            cases.add(new Case(cases.size(), c.path("text").asText(), ids, c.path("decoded").asText()));
        }
        return new SentencePieceCases(root.path("vocab_size").asInt(), root.path("bos_id").asInt(),
                root.path("eos_id").asInt(), root.path("unk_id").asInt(), cases);
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
        return out;
    }
}
