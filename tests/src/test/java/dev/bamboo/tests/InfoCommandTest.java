package dev.bamboo.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bamboo info --json}: what it reports of a model's files, with and without {@code --predictor}. */
class InfoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDemoModelsFoldersAndItsDenseGgufWithAPredictorGivenApart() throws Exception {
        String q5 = Cli.root().resolve("testdata/gguf/bamboo-demo.q5_1.dense.gguf").toString();
        String predictor = Cli.model("bamboo-demo").resolve("predictor").toString();

        JsonNode folder = info("-m", Cli.model("bamboo-demo").toString());
        assertEquals("bamboo", folder.get("architecture").asText());
        assertEquals(6, folder.get("layers").asInt());
        assertEquals("drelu", folder.get("ffn_activation").asText());
        assertEquals(List.of(48, 64, 64, 80, 80, 96), ranks(folder));

        JsonNode dense = info("-m", q5);
        assertFalse(dense.get("predictor").get("present").asBoolean(), "a dense GGUF carries no predictor");
        assertEquals(0, dense.get("predictor_parameters").asLong());

        JsonNode given = info("-m", q5, "--predictor", predictor);
        assertTrue(given.get("predictor").get("present").asBoolean());
        assertEquals(predictor, given.get("predictor").get("source").asText());
        assertEquals(ranks(folder), ranks(given));
        assertEquals(folder.get("predictor_parameters").asLong(), given.get("predictor_parameters").asLong());
        assertEquals(0.0, given.get("predictor").get("threshold").asDouble());
    }

    private static JsonNode info(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "info";
        all[1] = "--json";
        System.arraycopy(args, 0, all, 2, args.length);
        Cli r = Cli.run(all);
        assertEquals(0, r.exitCode(), r.err());
        return JSON.readTree(r.out());
    }

    private static List<Integer> ranks(JsonNode info) {
        return StreamSupport.stream(info.get("predictor").get("ranks").spliterator(), false).map(JsonNode::asInt).toList();
    }
}
