package dev.bamboo.runtime.model;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.Generator;
import dev.bamboo.runtime.sampling.SamplingOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library's text generator on the demo model, greedy. */
class TextGeneratorTest {
    private static final GenerationOptions GREEDY = new GenerationOptions(16, SamplingOptions.greedy(), true, true);

    private static String generate(TextGenerator gen, String prompt) {
        StringBuilder text = new StringBuilder();
        gen.generate(prompt, GREEDY, text::append);
        return text.toString();
    }

    @Test
    void eachTextPromptStartsFromAnEmptyContext() {
        try (Model model = Model.load(TestData.model("bamboo-demo"));
             TextGenerator gen = model.textGenerator(EngineOptions.defaults().withThreads(2).withContextLength(256))) {
            String first = generate(gen, "The GNU General Public License is");
            String other = generate(gen, "Permission is hereby granted,");
            String again = generate(gen, "The GNU General Public License is");
            assertEquals(first, again, "the same prompt, the same greedy text, whatever came before");
            assertNotEquals(first, other);
            // the ids form continues where the session stands: the same prompt after the first text gives other text
            int[] ids = model.promptIds("The GNU General Public License is", true);
            StringBuilder continued = new StringBuilder();
            gen.generate(ids, GREEDY, () -> false, continued::append);
            assertNotEquals(first, continued.toString(), "appended after the previous text, not from scratch");
        }
    }

    @Test
    void closingTwiceIsHarmless() {
        Model model = Model.load(TestData.model("bamboo-demo"));
        TextGenerator gen = model.textGenerator(EngineOptions.defaults().withThreads(1).withContextLength(64));
        assertNotEquals("", generate(gen, "Permission is hereby granted,"));
        gen.close();
        gen.close();
        model.close();
        model.close();
    }

    /** Ids past the tokenizer (a padded vocabulary's untrained rows) are never sampled: here the demo model limited to 300. */
    @Test
    void idsPastTheSampleableOnesAreNeverSampled() {
        try (Model model = Model.load(TestData.model("bamboo-demo"));
             Engine engine = model.engine(EngineOptions.defaults().withThreads(1).withContextLength(128))) {
            List<Integer> ids = new ArrayList<>();
            GenerationOptions hot = new GenerationOptions(40, new SamplingOptions(2f, 0, 1f, 0f, 1f, 64, 5), true, true);
            new Generator(engine.session(), 300).generate(model.promptIds("Permission is hereby granted,", true), hot,
                    model.stopTokens(), () -> false, ids::add);
            assertEquals(40, ids.size());
            assertTrue(ids.stream().allMatch(id -> id < 300), ids.toString());
        }
    }

    /**
     * The repetition penalty counts the tokens the session held before the prompt (a chat's earlier turns), as
     * llama.cpp counts every prompt token: for a split of a text where the next token without them would repeat one of
     * them, passing them changes it.
     */
    @Test
    void theRepetitionPenaltyCountsEarlierTokens() {
        try (Model model = Model.load(TestData.model("bamboo-demo"));
             Engine engine = model.engine(EngineOptions.defaults().withThreads(1).withContextLength(128))) {
            int[] all = model.promptIds("to deal in the Software without restriction, including without limitation the rights to use, copy, modify,"
                    + " merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the", true);
            GenerationOptions penalized = new GenerationOptions(1, new SamplingOptions(0f, 0, 1f, 0f, 1000f, -1, 1), true, true);
            boolean checked = false;
            for (int k = all.length - 2; k >= 2 && !checked; k--) { // the last tokens as the prompt, the rest before it
                int[] earlier = java.util.Arrays.copyOf(all, k), prompt = java.util.Arrays.copyOfRange(all, k, all.length);
                int alone = firstToken(model, engine, earlier, new int[0], prompt, penalized);
                if (java.util.Arrays.stream(earlier).noneMatch(id -> id == alone)) continue;
                assertNotEquals(alone, firstToken(model, engine, earlier, earlier, prompt, penalized), "split at " + k);
                checked = true;
            }
            assertTrue(checked, "no split of the text where the next token repeats an earlier one");
        }
    }

    private static int firstToken(Model model, Engine engine, int[] inSession, int[] counted, int[] prompt, GenerationOptions options) {
        engine.session().reset();
        engine.session().append(inSession);
        List<Integer> ids = new ArrayList<>();
        new Generator(engine.session()).generate(counted, prompt, options, model.stopTokens(), () -> false, ids::add);
        return ids.getFirst();
    }
}
