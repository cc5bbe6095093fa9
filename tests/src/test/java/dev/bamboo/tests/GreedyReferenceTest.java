package dev.bamboo.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.Generator;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.sampling.SamplingOptions;
import dev.bamboo.weights.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Greedy decoding on the reference prompts: the token ids transformers produced (its generate() ran with the
 * end-of-sequence token suppressed, i.e. {@code --ignore-eos}), and the same text from the CLI.
 */
class GreedyReferenceTest {

    static int[] greedy(Model model, int[] prompt, int n, SparsityMode mode, int threads) {
        try (Engine engine = model.engine(EngineOptions.defaults().withThreads(threads).withSparsity(mode).withContextLength(256))) {
            List<Integer> out = new ArrayList<>();
            new Generator(engine.session()).generate(prompt, new GenerationOptions(n, SamplingOptions.greedy(), true, true), model.stopTokens(), () -> false, t -> out.add(t));
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    @ParameterizedTest
    @CsvSource({"bamboo-demo,0", "bamboo-demo,1", "bamboo-demo,2", "tiny-bamboo,0", "tiny-mistral,1", "tiny-relullama,2", "tiny-turbosparse,0"})
    void denseGreedyMatchesTransformers(String name, int k) throws IOException {
        try (Model model = Model.load(Cli.model(name));
             SafetensorsFile ref = SafetensorsFile.open(Cli.model(name).resolve("reference.safetensors"))) {
            int[] prompt = ref.ints("prompt" + k + "_ids");
            int[] expected = ref.ints("prompt" + k + "_greedy");
            int[] actual = greedy(model, prompt, expected.length, SparsityMode.DENSE, 2);
            assertArrayEquals(expected, actual, name + " prompt" + k);
            // the prompt ids are our tokenizer's too
            JsonNode json = new ObjectMapper().readTree(Cli.model(name).resolve("reference.json").toFile());
            JsonNode sample = json.has("samples") ? json.get("samples") : json.get("prompts");
            String text = sample.get("prompt" + k).get("text").asText();
            int[] ours = model.tokenizer().encode(text);
            assertArrayEquals(Arrays.copyOfRange(prompt, 1, prompt.length), ours, "prompt tokens");
        }
    }

    @ParameterizedTest
    @CsvSource({"0", "1", "2"})
    void cliPrintsTheGreedyText(int k) throws IOException {
        JsonNode sample = new ObjectMapper().readTree(Cli.model("bamboo-demo").resolve("reference.json").toFile()).get("samples").get("prompt" + k);
        Cli cli = Cli.run("generate", "-p", sample.get("text").asText(), "--temp", "0", "-n", "32", "--ignore-eos", "--sparsity", "dense", "-t", "2");
        assertEquals(0, cli.exitCode(), cli.err());
        String printed = cli.out().endsWith("\n") ? cli.out().substring(0, cli.out().length() - 1) : cli.out();
        // transformers decodes the generated ids alone (without the first word's space); the CLI prints what follows
        // the prompt's text, so that prompt + output is the whole text, as llama.cpp does
        assertEquals(" " + sample.get("completion").asText(), printed);
        try (Model model = Model.load(Cli.model("bamboo-demo"));
             SafetensorsFile ref = SafetensorsFile.open(Cli.model("bamboo-demo").resolve("reference.safetensors"))) {
            int[] prompt = ref.ints("prompt" + k + "_ids"), generated = ref.ints("prompt" + k + "_greedy");
            int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
            System.arraycopy(generated, 0, all, prompt.length, generated.length);
            assertEquals(model.tokenizer().decode(all), model.tokenizer().decode(prompt) + printed);
        }
    }

    @Test
    void cliStopsAtAFullContextAndSaysSo() throws IOException {
        JsonNode sample = new ObjectMapper().readTree(Cli.model("bamboo-demo").resolve("reference.json").toFile()).get("samples").get("prompt0");
        int promptTokens;
        try (SafetensorsFile ref = SafetensorsFile.open(Cli.model("bamboo-demo").resolve("reference.safetensors"))) {
            promptTokens = ref.ints("prompt0_ids").length;
        }
        int context = promptTokens + 10;
        Cli cli = Cli.run("generate", "-m", Cli.model("bamboo-demo").toString(), "-p", sample.get("text").asText(), "--temp", "0",
                "-n", "32", "--ignore-eos", "--sparsity", "dense", "-c", String.valueOf(context));
        assertEquals(0, cli.exitCode(), cli.err());
        // ten tokens fill the context; the eleventh is sampled from the last position and needs no room in it
        assertTrue(cli.err().contains("stopped after 11 tokens: the context of " + context + " tokens is full; use a larger -c"), cli.err());
        String printed = cli.out().strip(), completion = sample.get("completion").asText();
        assertTrue(completion.startsWith(printed) && printed.length() < completion.length(),
                "the greedy text up to the full context: '" + printed + "' of '" + completion + "'");
    }
}
