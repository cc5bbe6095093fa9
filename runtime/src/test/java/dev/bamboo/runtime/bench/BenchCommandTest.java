package dev.bamboo.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.runtime.CliRun;
import dev.bamboo.runtime.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bamboo bench} on the demo model with tiny tests: every output format's fields, and bad input. */
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEMO = TestData.model("bamboo-demo").toString();

    private static CliRun bench(String... extra) {
        // one warm-up run, as llama-bench: these tests check what the command prints, not how fast
        String[] base = {"bench", "-m", DEMO, "-p", "8", "-n", "4", "-r", "2", "-t", "1", "--warm-up", "0"};
        String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CliRun run = CliRun.of(args);
        assertEquals(0, run.exitCode(), run.err());
        return run;
    }

    private static List<String> cells(String line) {
        String s = line.strip();
        return Arrays.stream(s.substring(1, s.length() - 1).split("\\|")).map(String::strip).toList();
    }

    @Test
    void markdownHasLlamaBenchColumnsAndSparsity() {
        CliRun run = bench("--sparsity", "dense,predicted");
        List<String> lines = run.out().strip().lines().toList();
        assertEquals(List.of("model", "size", "params", "backend", "threads", "sparsity", "active %", "test", "t/s"), cells(lines.get(0)));
        assertTrue(lines.get(1).matches("\\|( -+:? \\|)+"), lines.get(1));
        assertEquals(2 + 4, lines.size(), run.out()); // two modes × (pp8, tg4)
        List<String> tests = lines.stream().skip(2).map(l -> cells(l).get(7)).toList();
        assertEquals(List.of("pp8", "tg4", "pp8", "tg4"), tests);
        for (String l : lines.subList(2, lines.size())) {
            List<String> c = cells(l);
            assertTrue(c.get(8).matches("\\d+\\.\\d{2} ± \\d+\\.\\d{2}"), c.get(8));
            assertEquals("CPU", c.get(3));
            assertEquals("1", c.get(4));
            assertTrue(c.get(0).startsWith("bamboo "), c.get(0));
        }
        assertEquals("100.0", cells(lines.get(2)).get(6));
        double predicted = Double.parseDouble(cells(lines.get(4)).get(6));
        assertTrue(predicted > 0 && predicted < 100, "predicted active % " + predicted);
        // stderr carries the engines' notes, once each, and no progress lines when it is not a terminal
        String err = run.err().replaceAll("(?m)^WARNING.*\\R?", "");
        assertTrue(err.lines().allMatch(l -> l.startsWith("bamboo: ")), err);
        assertEquals(err.lines().distinct().count(), err.lines().count(), "each note once: " + err);
    }

    @Test
    void statsPrintPerLayerTablesForEveryMode() {
        CliRun run = bench("--sparsity", "dense,predicted", "--stats");
        String err = run.err();
        // one table per mode and test, as generate --stats prints it: a row per layer (the demo has 6) and "all"
        assertEquals(2, err.lines().filter(l -> l.startsWith("bamboo: sparsity statistics (bamboo-demo, predicted, ")).count(), err);
        assertTrue(err.contains("predicted, pp8, its first 8 tokens") && err.contains("predicted, tg4, its first 4 tokens"), err);
        // dense computes every neuron: its tables give the true activity, and the predictor's run beside
        assertEquals(2, err.lines().filter(l -> l.startsWith("bamboo: sparsity statistics (bamboo-demo, dense, ")).count(), err);
        assertEquals(2, err.lines().filter(l -> l.startsWith("bamboo: predictor statistics (bamboo-demo, ")
                && l.contains("; the predictor, run beside dense mode and not used;")).count(), err);
        assertEquals(2, err.lines().filter(l -> l.matches("\\s*layer\\s+true active\\s+computed\\s+recall\\s+tokens")).count(), err);
        assertEquals(2 + 2, err.lines().filter(l -> l.matches("\\s*layer\\s+true active\\s+predicted\\s+recall\\s+tokens")).count(), err);
        assertEquals(6 * 6, err.lines().filter(l -> l.matches("\\s*[0-5]\\s+\\d+\\.\\d+%\\s+\\d+\\.\\d+%\\s+\\d+\\.\\d+%\\s+\\d+")).count(), err);
        assertTrue(err.lines().anyMatch(l -> l.matches("\\s*all\\s+\\d+\\.\\d+%\\s+100\\.00%.*")), "dense computes every neuron: " + err);
        assertTrue(!bench("--sparsity", "dense,predicted").err().contains("statistics"), "tables only with --stats");
    }

    /** In exact mode the statistics pass also runs the demo's predictor beside the FFN and prints its table. */
    @Test
    void exactStatsAlsoPrintThePredictorBeside() {
        String err = bench("--sparsity", "exact", "--stats").err();
        assertEquals(2, err.lines().filter(l -> l.startsWith("bamboo: predictor statistics (bamboo-demo, ")
                && l.contains("; the predictor, run beside exact mode and not used;")).count(), err);
        assertTrue(err.contains("bamboo: predictor statistics (bamboo-demo, tg4; "), err);
    }

    /** {@code --predictor} replaces the model's own: the demo's predictors under a threshold of 1 select fewer neurons. */
    @Test
    void predictorDirectoryReplacesTheModelsOwn(@TempDir Path tmp) throws Exception {
        Path own = TestData.model("bamboo-demo").resolve("predictor"), stricter = Files.createDirectories(tmp.resolve("stricter"));
        for (int l = 0; l < 6; l++) Files.copy(own.resolve("model_" + l + ".safetensors"), stricter.resolve("model_" + l + ".safetensors"));
        Files.writeString(stricter.resolve("config.json"), "{\"sparse_threshold\": 1.0}");
        double ownActive = JSON.readTree(bench("--sparsity", "predicted", "-o", "json").out()).get(1).get("active_fraction").asDouble();
        double stricterActive = JSON.readTree(bench("--sparsity", "predicted", "-o", "json", "--predictor", stricter.toString()).out()).get(1).get("active_fraction").asDouble();
        assertTrue(stricterActive < 0.8 * ownActive, stricterActive + " against " + ownActive);
    }

    @Test
    void denseOnlyTableHasNoSparsityColumns() {
        List<String> lines = bench("--sparsity", "dense").out().strip().lines().toList();
        assertEquals(List.of("model", "size", "params", "backend", "threads", "test", "t/s"), cells(lines.get(0)));
    }

    @Test
    void jsonUsesLlamaBenchFieldNames() throws Exception {
        // --stats: the statistics pass also measures the neurons really active
        JsonNode rows = JSON.readTree(bench("--sparsity", "dense,exact", "-o", "json", "--stats").out());
        assertTrue(rows.isArray());
        assertEquals(4, rows.size());
        for (JsonNode r : rows) {
            for (String f : ResultFields.NAMES) assertTrue(r.has(f), "field " + f + " in " + r);
            assertEquals("bamboo-demo", r.get("model_filename").asText());
            assertEquals(2, r.get("samples_ns").size());
            assertEquals(2, r.get("samples_ts").size());
            assertEquals(1, r.get("n_threads").asInt());
            assertEquals("CPU", r.get("backend").asText());
            assertEquals(512, r.get("n_batch").asInt(), "llama-bench reports -b, whatever the test's length");
            assertTrue(r.get("avg_ts").asDouble() > 0);
            assertTrue(r.get("model_n_params").asLong() > 1_000_000);
            assertTrue(r.get("model_size").asLong() > 1_000_000);
            int tokens = r.get("n_prompt").asInt() + r.get("n_gen").asInt();
            double meanTs = (r.get("samples_ts").get(0).asDouble() + r.get("samples_ts").get(1).asDouble()) / 2;
            assertEquals(meanTs, r.get("avg_ts").asDouble(), 1e-9 * meanTs);
            double fromNs = tokens * 1e9 / r.get("samples_ns").get(0).asDouble();
            assertEquals(fromNs, r.get("samples_ts").get(0).asDouble(), 1e-6 * fromNs);
        }
        assertEquals(8, rows.get(0).get("n_prompt").asInt());
        assertEquals(0, rows.get(0).get("n_gen").asInt());
        assertEquals(4, rows.get(1).get("n_gen").asInt());
        assertEquals("dense", rows.get(0).get("sparsity").asText());
        assertEquals(1.0, rows.get(0).get("active_fraction").asDouble());
        double denseTrue = rows.get(0).get("true_active_fraction").asDouble();
        assertTrue(denseTrue > 0 && denseTrue < 1, "dense mode measures the true activity with --stats: " + denseTrue);
        assertEquals("exact", rows.get(2).get("sparsity").asText());
        double exact = rows.get(2).get("active_fraction").asDouble();
        assertTrue(exact > 0 && exact < 1, "exact active fraction " + exact);
        assertTrue(rows.get(2).get("true_active_fraction").asDouble() <= exact + 1e-12);
        assertEquals(1.0, rows.get(2).get("active_recall").asDouble(), "exact mode computes every truly active neuron");
        assertEquals(1.0, rows.get(0).get("active_recall").asDouble(), "dense mode computes every neuron");
        assertEquals(denseTrue, rows.get(2).get("true_active_fraction").asDouble(), 0.01, "exact is lossless: the same neurons fire");
    }

    @Test
    void withoutStatsOnlyTheComputedShareIsMeasured() throws Exception {
        JsonNode rows = JSON.readTree(bench("--sparsity", "exact", "-o", "json").out());
        for (JsonNode r : rows) {
            double computed = r.get("active_fraction").asDouble();
            assertTrue(computed > 0 && computed < 1, "exact active fraction " + computed);
            assertTrue(r.get("true_active_fraction").isNull() && r.get("active_precision").isNull() && r.get("active_recall").isNull(), "no truth measured without --stats: " + r);
        }
        for (JsonNode r : JSON.readTree(bench("--sparsity", "dense", "-o", "json").out())) {
            assertTrue(r.get("true_active_fraction").isNull() && r.get("active_recall").isNull(), "dense: nothing measured without --stats: " + r);
        }
    }

    @Test
    void jsonlIsOneObjectPerResult() throws Exception {
        List<String> lines = bench("--sparsity", "predicted", "-o", "jsonl").out().strip().lines().toList();
        assertEquals(2, lines.size());
        for (String l : lines) {
            JsonNode r = JSON.readTree(l);
            assertEquals(ResultFields.NAMES, iterable(r));
            assertEquals("predicted", r.get("sparsity").asText());
        }
    }

    @Test
    void csvHeaderIsTheFieldNames() {
        List<String> lines = bench("--sparsity", "dense", "-o", "csv", "-t", "1,2").out().strip().lines().toList();
        assertEquals(String.join(",", ResultFields.NAMES), lines.get(0));
        assertEquals(1 + 4, lines.size()); // two thread counts × (pp8, tg4)
        String row = lines.get(1);
        assertTrue(row.startsWith("\"bamboo-demo\",\"bamboo "), row);
        int samples = ResultFields.NAMES.indexOf("samples_ns");
        List<String> cells = Arrays.stream(row.substring(1, row.length() - 1).split("\",\"")).toList();
        assertEquals(ResultFields.NAMES.size(), cells.size(), row);
        assertEquals(2, cells.get(samples).split(",").length);
        assertEquals("2", Arrays.stream(lines.get(3).substring(1).split("\",\"")).toList().get(ResultFields.NAMES.indexOf("n_threads")));
    }

    @Test
    void severalModelsInOneRun() throws Exception {
        JsonNode rows = JSON.readTree(bench("-m", TestData.gguf("tiny-bamboo.q4_0.powerinfer.gguf").toString(), "-o", "json", "--sparsity", "dense").out());
        assertEquals(4, rows.size());
        assertEquals("bamboo-demo", rows.get(1).get("model_filename").asText());
        assertEquals("tiny-bamboo.q4_0.powerinfer.gguf", rows.get(2).get("model_filename").asText());
        assertTrue(rows.get(3).get("model_type").asText().endsWith("Q4_0"), rows.get(3).get("model_type").asText());
    }

    /** -d runs every test at every depth, named as llama-bench names them, with the depth in the machine-readable rows. */
    @Test
    void depthsRunEveryTestAfterThatManyCachedTokens() throws Exception {
        CliRun md = bench("--sparsity", "dense", "-d", "0,6");
        assertEquals(List.of("pp8", "pp8 @ d6", "tg4", "tg4 @ d6"), md.out().strip().lines().skip(2).map(l -> cells(l).get(5)).toList());
        JsonNode rows = JSON.readTree(bench("--sparsity", "dense", "-d", "6", "-o", "json").out());
        assertEquals(2, rows.size());
        for (JsonNode r : rows) assertEquals(6, r.get("n_depth").asInt());
        assertEquals(8, rows.get(0).get("n_prompt").asInt());
        assertEquals(4, rows.get(1).get("n_gen").asInt());
    }

    /** -ctk/-ctv: the cache types of every row, and type_k/type_v columns in the table where they are not f32 (as llama-bench). */
    @Test
    void cacheTypesAreInEveryRowAndInTheTableWhereNotF32() throws Exception {
        List<String> lines = bench("--sparsity", "dense", "-ctk", "f16", "--cache-type-v", "f16").out().strip().lines().toList();
        assertEquals(List.of("model", "size", "params", "backend", "threads", "type_k", "type_v", "test", "t/s"), cells(lines.get(0)));
        assertEquals(List.of("f16", "f16"), cells(lines.get(2)).subList(5, 7));
        for (JsonNode r : JSON.readTree(bench("--sparsity", "dense", "-ctv", "f16", "-o", "json").out())) {
            assertEquals("f32", r.get("type_k").asText());
            assertEquals("f16", r.get("type_v").asText());
        }
    }

    /** Lists, as llama-bench takes them: every pair of key and value types, and --interleave compares them. */
    @Test
    void everyPairOfCacheTypesRunsAndInterleavesLikeModes() throws Exception {
        JsonNode rows = JSON.readTree(bench("--sparsity", "dense", "-ctk", "f32,f16", "-ctv", "f16", "-o", "json").out());
        assertEquals(List.of("f32/f16", "f32/f16", "f16/f16", "f16/f16"),
                java.util.stream.StreamSupport.stream(rows.spliterator(), false).map(r -> r.get("type_k").asText() + "/" + r.get("type_v").asText()).toList());
        CliRun run = bench("--sparsity", "dense", "-ctk", "f32,f16", "--interleave");
        List<String> ratios = run.err().lines().filter(l -> l.startsWith("bamboo: interleaved: ")).toList();
        assertEquals(2, ratios.size(), run.err());
        assertTrue(ratios.get(1).matches("bamboo: interleaved: tg4 t=1: dense kv f16/f32 [0-9.]+ t/s = [0-9.]+× dense kv f32/f32 \\([0-9.]+ t/s\\)"), ratios.get(1));
    }

    @Test
    void bandwidthReportsEachGenerationTestAgainstTheMeasuredReadRate() {
        CliRun run = bench("--sparsity", "dense,predicted", "--bandwidth");
        assertEquals(2 + 4, run.out().strip().lines().count(), run.out()); // the table is unchanged
        List<String> roofline = run.err().lines().filter(l -> l.startsWith("bamboo: roofline: ")).toList();
        assertEquals(2, roofline.size(), run.err()); // tg4 in each mode; prompt tests have no roofline line
        assertTrue(roofline.get(0).matches("bamboo: roofline: tg4 dense t=1: [0-9.]+ MB of weights and [0-9.]+ MB of KV cache per token × [0-9.]+ t/s = [0-9.]+ GB/s, \\d+ % of the [0-9.]+ GB/s read"), roofline.get(0));
        assertTrue(roofline.get(1).matches("bamboo: roofline: tg4 predicted t=1: at most [0-9.]+ MB of weights and [0-9.]+ MB of KV cache per token \\([0-9.]+ % of the FFN computed\\) × .*"), roofline.get(1));
    }

    @Test
    void interleavedModesGiveTheSameTableAndEachModesSpeedAgainstTheFirst() {
        CliRun run = bench("--sparsity", "dense,predicted", "--interleave");
        List<String> lines = run.out().strip().lines().toList();
        assertEquals(2 + 4, lines.size(), run.out());
        assertEquals(List.of("dense pp8", "dense tg4", "predicted pp8", "predicted tg4"),
                lines.stream().skip(2).map(l -> cells(l).get(5) + " " + cells(l).get(7)).toList());
        List<String> ratios = run.err().lines().filter(l -> l.startsWith("bamboo: interleaved: ")).toList();
        assertEquals(2, ratios.size(), run.err());
        assertTrue(ratios.get(1).matches("bamboo: interleaved: tg4 t=1: predicted [0-9.]+ t/s = [0-9.]+× dense \\([0-9.]+ t/s\\)"), ratios.get(1));
    }

    @Test
    void aLengthGivenTwiceRunsOnce() {
        CliRun run = CliRun.of("bench", "-m", DEMO, "-p", "4,4", "-n", "2,2", "-r", "1", "-t", "1", "--warm-up", "0", "-o", "jsonl");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(2, run.out().strip().lines().count(), run.out());
    }

    @Test
    void interleaveWithOneModeSaysSoAndRunsIt() {
        CliRun run = bench("--sparsity", "dense", "--interleave");
        assertEquals(2 + 2, run.out().strip().lines().count(), run.out());
        assertTrue(run.err().contains("bamboo: --interleave: bamboo-demo has one mode to run (dense)"), run.err());
    }

    /** auto beside the mode it picks is that mode once, not two rows of the same runs. */
    @Test
    void autoBesideItsModeRunsOnce() {
        CliRun run = CliRun.of("bench", "-m", DEMO, "-p", "0", "-n", "2", "-r", "1", "-t", "1", "--warm-up", "0.2", "--sparsity", "predicted,auto", "-o", "jsonl");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1, run.out().strip().lines().count(), run.out());
    }

    @Test
    void badInputIsOneLineError() {
        CliRun xml = CliRun.of("bench", "-m", DEMO, "-p", "8", "-n", "0", "-r", "1", "-o", "xml");
        assertTrue(xml.isOneLineError(), xml.err());
        assertTrue(xml.err().contains("md, csv, json or jsonl"), xml.err());
        CliRun none = CliRun.of("bench", "-m", DEMO, "-p", "0", "-n", "0");
        assertTrue(none.isOneLineError(), none.err());
        CliRun exact = CliRun.of("bench", "-m", TestData.model("tiny-mistral").toString(), "-p", "4", "-n", "0", "-r", "1", "--sparsity", "exact");
        assertTrue(exact.isOneLineError(), exact.err());
        CliRun tooLong = CliRun.of("bench", "-m", DEMO, "-p", "100000", "-n", "0");
        assertTrue(tooLong.isOneLineError(), tooLong.err());
        assertTrue(tooLong.err().contains("context"), tooLong.err());
        CliRun reps = CliRun.of("bench", "-m", DEMO, "-p", "4", "-r", "0");
        assertTrue(reps.isOneLineError(), reps.err());
        // options are refused before any model is looked at (a 7B file takes a minute to load): a missing one is not named
        CliRun pg = CliRun.of("bench", "-m", "no-such-model.gguf", "-pg", "16,8");
        assertTrue(pg.isOneLineError() && pg.err().contains("-pg 16,8: bench has no combined"), pg.err());
        CliRun warmUp = CliRun.of("bench", "-m", "no-such-model.gguf", "-p", "4", "--warm-up", "-1");
        assertTrue(warmUp.isOneLineError() && warmUp.err().contains("--warm-up -1.0 is out of range"), warmUp.err());
        CliRun bandwidth = CliRun.of("bench", "-m", "no-such-model.gguf", "-p", "4", "-n", "0", "--bandwidth");
        assertTrue(bandwidth.isOneLineError() && bandwidth.err().contains("-n 0 runs none"), bandwidth.err());
        CliRun mode = CliRun.of("bench", "-m", DEMO, "--sparsity", "dense,fast");
        assertTrue(mode.isOneLineError(), mode.err());
        CliRun backend = CliRun.of("bench", "-m", DEMO, "-p", "4", "-n", "0", "--backend", "cuda");
        assertTrue(backend.isOneLineError(), backend.err());
        // a mode the second model cannot run fails before the first model's runs
        CliRun second = CliRun.of("bench", "-m", DEMO, "-m", TestData.model("tiny-mistral").toString(), "-p", "4", "-n", "0", "-r", "1", "--warm-up", "0", "--sparsity", "exact");
        assertTrue(second.isOneLineError(), second.err());
        assertTrue(second.err().contains("tiny-mistral: --sparsity exact"), "names the model: " + second.err());
        assertEquals("", second.out(), "no results before the error");
    }

    private static List<String> iterable(JsonNode r) {
        List<String> names = new java.util.ArrayList<>();
        r.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
