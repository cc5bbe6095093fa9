package dev.bamboo.runtime.model;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.sampling.SamplingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generation stops at every end-of-sequence id a Hugging Face model names (an {@code eos_token_id} list in config.json,
 * or generation_config.json), as transformers does: the demo model with "," (id 1985) made a second EOS.
 */
class StopTokensTest {
    private static final String PROMPT = "Permission is hereby granted,";
    private static final int COMMA = 1985;
    private static final EngineOptions ENGINE = EngineOptions.defaults().withThreads(2).withContextLength(128);

    /** The demo model's folder with its config files copied (and edited by the test) and its weights linked. */
    static Path demoCopy(Path dir) throws IOException {
        Path demo = TestData.model("bamboo-demo");
        for (String f : new String[] {"config.json", "generation_config.json", "tokenizer.model", "tokenizer_config.json"}) {
            Files.copy(demo.resolve(f), dir.resolve(f));
        }
        Files.createSymbolicLink(dir.resolve("model.safetensors"), demo.resolve("model.safetensors").toAbsolutePath());
        return dir;
    }

    private static void setEos(Path json, String eos) throws IOException {
        String text = Files.readString(json);
        String edited = text.replaceFirst("\"eos_token_id\": 2", "\"eos_token_id\": " + eos);
        assertFalse(edited.equals(text), json + " has no \"eos_token_id\": 2 to replace");
        Files.writeString(json, edited);
    }

    private record Run(String text, GenerationStats stats) {}

    private static Run generate(Path model, boolean ignoreEos) {
        try (Model m = Model.load(model); TextGenerator gen = m.textGenerator(ENGINE)) {
            StringBuilder text = new StringBuilder();
            GenerationStats stats = gen.generate(PROMPT, new GenerationOptions(16, SamplingOptions.greedy(), ignoreEos, true), text::append);
            return new Run(text.toString(), stats);
        }
    }

    @Test
    void anIdOfTheConfigsEosListEndsTheText(@TempDir Path dir) throws IOException {
        Run plain = generate(TestData.model("bamboo-demo"), false);
        assertTrue(plain.text().contains(","), "the reference continuation has a comma: " + plain.text());
        setEos(demoCopy(dir).resolve("config.json"), "[2, " + COMMA + "]");
        try (Model m = Model.load(dir)) {
            assertTrue(m.stopTokens().contains(2) && m.stopTokens().contains(COMMA), m.stopTokens().toString());
            assertEquals(",", m.tokenizer().decode(new int[] {COMMA}));
        }
        Run stopped = generate(dir, false);
        assertEquals(GenerationStats.StopReason.EOS, stopped.stats().stopReason());
        assertEquals(plain.text().substring(0, plain.text().indexOf(',')), stopped.text());
        // every generated token was fed back before the stop token came: one forward pass each
        assertEquals(stopped.stats().generatedTokens(), stopped.stats().evalRuns());
        assertEquals(plain.stats().generatedTokens() - 1, plain.stats().evalRuns(), "the last of -n tokens is never fed back");

        Run ignoring = generate(dir, true);
        assertEquals(GenerationStats.StopReason.LENGTH, ignoring.stats().stopReason());
        assertEquals(16, ignoring.stats().generatedTokens());
    }

    @Test
    void generationConfigNamesMoreStopTokens(@TempDir Path dir) throws IOException {
        setEos(demoCopy(dir).resolve("generation_config.json"), String.valueOf(COMMA));
        try (Model m = Model.load(dir)) {
            assertEquals("2, " + COMMA, m.stopTokens().toString());
        }
        try (Model m = Model.load(TestData.model("bamboo-demo"))) {
            assertEquals("2", m.stopTokens().toString());
        }
    }

    /** A corrupt generation_config.json id is refused, as config.json's are, rather than dropped from the stop tokens. */
    @Test
    void anIdThatIsNoTokenIdIsRefused(@TempDir Path dir) throws IOException {
        setEos(demoCopy(dir).resolve("generation_config.json"), "[2, \"x\"]");
        dev.bamboo.weights.BambooException e = org.junit.jupiter.api.Assertions.assertThrows(dev.bamboo.weights.BambooException.class,
                () -> Model.load(dir).close());
        assertTrue(e.getMessage().contains("generation_config.json: eos_token_id holds \"x\", which is not a token id"), e.getMessage());
        Path generation = dir.resolve("generation_config.json");
        Files.writeString(generation, Files.readString(generation).replace("[2, \"x\"]", "[2, 99999]"));
        e = org.junit.jupiter.api.Assertions.assertThrows(dev.bamboo.weights.BambooException.class, () -> Model.load(dir).close());
        assertTrue(e.getMessage().contains("generation_config.json: eos_token_id holds 99999, outside the model's vocabulary of 2048"), e.getMessage());
    }

    /** Many Llama-2 folders add a {@code <pad>} at the id just past the model's vocabulary: it is left out, not refused. */
    @Test
    void anAddedTokenPastTheModelsVocabularyIsLeftOut(@TempDir Path dir) throws IOException {
        Files.writeString(demoCopy(dir).resolve("added_tokens.json"), "{\"<pad>\": 2048}");
        try (Model m = Model.load(dir)) {
            assertEquals(2048, m.tokenizer().vocabSize());
            assertEquals(-1, m.tokenizer().pieceId("<pad>"));
        }
    }
}
