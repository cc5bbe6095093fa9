package dev.bamboo.runtime.tokenizer;

import dev.bamboo.runtime.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our tokenizer against SentencePiece's own output on every reference case. */
class SentencePieceEquivalenceTest {

    private static SentencePieceCases assertMatches(Path casesFile, Tokenizer tokenizer) throws Exception {
        SentencePieceCases cases = SentencePieceCases.read(casesFile);
        assertTrue(cases.cases().size() > 100, "too few cases in " + casesFile);
        assertEquals(cases.vocabSize(), tokenizer.vocabSize());
        assertEquals(cases.bos(), tokenizer.bos());
        assertEquals(cases.eos(), tokenizer.eos());
        assertEquals(cases.unk(), tokenizer.unk());
        List<String> mismatches = cases.mismatches(tokenizer);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
        return cases;
    }

    @Test
    void tinyModelsTokenizerMatchesSentencePiece() throws Exception {
        Tokenizer tokenizer = TokenizerLoader.fromDirectory(TestData.testdata("tiny-bamboo"));
        assertMatches(TestData.testdata("tokenizer/spm_a.cases.json"), tokenizer);
        assertTrue(tokenizer.addBos());
        assertTrue(tokenizer.isControl(1));
        assertFalse(tokenizer.isControl(300));
    }

    @Test
    void demoModelTokenizerMatchesSentencePiece() throws Exception {
        Tokenizer tokenizer = TokenizerLoader.fromDirectory(TestData.root().resolve("models/bamboo-demo"));
        assertMatches(TestData.testdata("tokenizer/spm_demo.cases.json"), tokenizer);
    }

    /** Seeded random text and random ids (fuzz_demo.cases.json, from make_fuzz_cases.py): SentencePiece's ids and text. */
    @Test
    void demoModelTokenizerMatchesSentencePieceOnFuzzedTextAndIds() throws Exception {
        Tokenizer tokenizer = TokenizerLoader.fromDirectory(TestData.root().resolve("models/bamboo-demo"));
        SentencePieceCases cases = assertMatches(TestData.testdata("tokenizer/fuzz_demo.cases.json"), tokenizer);
        assertTrue(cases.idSequences().size() >= 500, "id sequences: " + cases.idSequences().size());
    }

    @Test
    void ggufArraysFromTheSamePiecesEncodeTheSame() throws Exception {
        SentencePieceModelReader.Model m = SentencePieceModelReader.parse(TestData.testdata("tiny-bamboo/tokenizer.model"));
        float[] scores = new float[m.scores().size()];
        int[] types = new int[m.types().size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = m.scores().get(i);
            types[i] = m.types().get(i).code();
        }
        Tokenizer gguf = TokenizerLoader.fromGgufArrays("llama", m.pieces().toArray(String[]::new), scores, types,
                m.bosId(), m.eosId(), m.unkId(), null, null);
        assertTrue(gguf.addBos());
        assertMatches(TestData.testdata("tokenizer/spm_a.cases.json"), gguf);
    }

    /**
     * A GGUF file without tokenizer.ggml.token_type: the byte pieces are told from their text, as llama.cpp finds them,
     * so characters outside the pieces (a newline) still fall back to bytes instead of becoming unknown.
     */
    @Test
    void ggufArraysWithoutTokenTypesStillFallBackToBytes() throws Exception {
        SentencePieceModelReader.Model m = SentencePieceModelReader.parse(TestData.testdata("tiny-bamboo/tokenizer.model"));
        float[] scores = new float[m.scores().size()];
        for (int i = 0; i < scores.length; i++) scores[i] = m.scores().get(i);
        Tokenizer gguf = TokenizerLoader.fromGgufArrays("llama", m.pieces().toArray(String[]::new), scores, null,
                m.bosId(), m.eosId(), m.unkId(), null, null);
        assertMatches(TestData.testdata("tokenizer/spm_a.cases.json"), gguf);
    }
}
