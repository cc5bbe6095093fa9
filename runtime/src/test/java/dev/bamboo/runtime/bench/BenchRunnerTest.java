package dev.bamboo.runtime.bench;

import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BenchRunner} on the demo model: the order of its runs, seen through its progress lines, and its statistics pass. */
class BenchRunnerTest {

    @Test
    void interleavedRunsTakeTurnsAndRowsComeOutModeByMode() {
        List<String> progress = new ArrayList<>();
        BenchRunner runner = new BenchRunner(2, 0, 7, line -> {
            if (line != null) progress.add(line);
        }, note -> {});
        List<BenchCase> tests = List.of(BenchCase.prompt(4), BenchCase.generation(3));
        try (Model model = Model.load(TestData.model("bamboo-demo"))) {
            EngineOptions base = EngineOptions.defaults().withThreads(1).withContextLength(BenchRunner.contextFor(tests));
            List<EngineOptions> options = List.of(base.withSparsity(SparsityMode.DENSE), base.withSparsity(SparsityMode.PREDICTED));
            List<List<BenchRunner.ActiveFractions>> active = new ArrayList<>();
            for (EngineOptions o : options) active.add(runner.activeFractions(model, o, tests, true));
            progress.clear();
            List<BenchResult> sunk = new ArrayList<>();
            List<BenchResult> rows = runner.runInterleaved(model, ModelFacts.of(model), options, tests, active, sunk::add);

            List<String> expected = new ArrayList<>();
            for (String test : List.of("pp4", "tg3")) {
                expected.add("dense t=1 " + test + ": warm-up");
                expected.add("predicted t=1 " + test + ": warm-up");
                for (int r = 1; r <= 2; r++) {
                    expected.add("dense t=1 " + test + ": run " + r + "/2");
                    expected.add("predicted t=1 " + test + ": run " + r + "/2");
                }
            }
            assertEquals(expected, progress.stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList());

            assertEquals(rows, sunk);
            assertEquals(List.of("dense pp4", "dense tg3", "predicted pp4", "predicted tg3"),
                    rows.stream().map(r -> r.sparsity() + " " + r.test().name()).toList());
            for (BenchResult r : rows) assertEquals(2, r.samplesNs().size());
            assertEquals(1.0, rows.get(0).activeFraction());
            assertTrue(rows.get(3).activeFraction() > 0 && rows.get(3).activeFraction() < 1, "predicted share " + rows.get(3).activeFraction());

            List<String> ratios = SpeedRatios.lines(rows);
            assertEquals(2, ratios.size(), ratios.toString());
            assertTrue(ratios.get(0).startsWith("pp4 t=1: predicted "), ratios.get(0));
            assertTrue(ratios.get(1).matches("tg3 t=1: predicted [0-9.]+ t/s = [0-9.]+× dense \\([0-9.]+ t/s\\)"), ratios.get(1));
            double ratio = Double.parseDouble(ratios.get(1).replaceAll(".* = ([0-9.]+)×.*", "$1"));
            assertEquals(rows.get(3).avgTs() / rows.get(1).avgTs(), ratio, 0.006);
        }
    }

    /**
     * The statistics pass of a test longer than {@link BenchRunner#ACTIVE_PASS_TOKENS} counts the test's own first
     * tokens, as its heading says: the same table as the engine gives for those tokens (a shorter test's name would
     * seed other tokens). Exact mode's table heads its selected neurons "computed", with every true one selected.
     */
    @Test
    void statisticsCountTheTestsOwnFirstTokens() {
        BenchRunner runner = new BenchRunner(1, 0, 7, line -> {}, note -> {});
        BenchCase test = BenchCase.prompt(BenchRunner.ACTIVE_PASS_TOKENS + 8);
        try (Model model = Model.load(TestData.model("bamboo-demo"))) {
            for (SparsityMode mode : List.of(SparsityMode.PREDICTED, SparsityMode.EXACT)) {
                EngineOptions options = EngineOptions.defaults().withThreads(1).withContextLength(64).withSparsity(mode);
                BenchRunner.ActiveFractions measured = runner.activeFractions(model, options, List.of(test), true).getFirst();
                try (Engine engine = model.engine(options.withStatistics(Statistics.FULL))) {
                    engine.session().append(Arrays.copyOf(runner.inputs(model, test).tokens(), BenchRunner.ACTIVE_PASS_TOKENS));
                    SparsityStats stats = engine.stats().orElseThrow();
                    assertEquals(mode.statisticsTable(stats), measured.table(), mode.label());
                    assertEquals(stats.overall().predictedActive(), measured.computed(), mode.label());
                    String header = measured.table().lines().findFirst().orElseThrow();
                    assertTrue(header.matches("\\s*layer\\s+true active\\s+" + (mode == SparsityMode.EXACT ? "computed" : "predicted") + "\\s+recall\\s+tokens"), header);
                    if (mode == SparsityMode.EXACT) assertEquals(1.0, stats.overall().recall(), "exact mode computes every truly active neuron");
                }
            }
        }
    }
    /**
     * A test at a depth runs its own tokens after the depth's, which fill the cache once: a later run forgets only what
     * came after them.
     */
    @Test
    void aTestAtADepthRunsAfterTheDepthsTokens() {
        BenchRunner runner = new BenchRunner(1, 0, 7, line -> {}, note -> {});
        BenchCase test = BenchCase.generation(3).atDepth(5);
        assertEquals("tg3 @ d5", test.name());
        assertEquals(8, BenchRunner.contextFor(List.of(BenchCase.prompt(6), test)));
        try (Model model = Model.load(TestData.model("bamboo-demo"))) {
            BenchRunner.Inputs in = runner.inputs(model, test);
            assertEquals(5, in.context().length);
            assertEquals(model.config().bosToken(), in.context()[0]);
            // the test's own tokens are those of the same test without a depth, less its BOS, and one more
            int[] atZero = runner.inputs(model, BenchCase.generation(3)).tokens();
            assertEquals(model.config().bosToken(), atZero[0]);
            assertEquals(3, in.tokens().length);
            assertArrayEquals(Arrays.copyOfRange(atZero, 1, 3), Arrays.copyOfRange(in.tokens(), 0, 2));
            assertNotEquals(model.config().bosToken(), in.tokens()[0]);
            int[] all = new int[8];
            System.arraycopy(in.context(), 0, all, 0, 5);
            System.arraycopy(in.tokens(), 0, all, 5, 3);
            EngineOptions options = EngineOptions.defaults().withThreads(1).withContextLength(8).withSparsity(SparsityMode.DENSE);
            try (Engine engine = model.engine(options)) {
                for (int run = 0; run < 2; run++) {
                    BenchRunner.runOnce(engine, test, in);
                    assertArrayEquals(all, engine.tokens(), "run " + run);
                }
                BenchRunner.runOnce(engine, BenchCase.generation(3), runner.inputs(model, BenchCase.generation(3)));
                assertArrayEquals(atZero, engine.tokens(), "a test without a depth starts from an empty cache");
            }
        }
    }
}
