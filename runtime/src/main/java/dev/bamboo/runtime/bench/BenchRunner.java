package dev.bamboo.runtime.bench;

import dev.bamboo.predictor.LayerSparsity;
import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.engine.Statistics;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.runtime.model.Model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs llama-bench style tests on one model: for each test untimed warm-up runs ({@link #warmUp}), then {@code repetitions} timed
 * runs on the same engine. Inputs are random tokens from a seeded generator (the same for every mode and thread
 * count). Active fractions are measured in a separate, untimed pass with statistics enabled, so the timed runs do
 * none of that extra work; the neurons really active only when asked ({@code --stats}), since measuring them costs the
 * full gate and up products.
 */
public final class BenchRunner {
    /** Tokens of the untimed statistics pass at most: enough for a stable mean, cheap on a 7B model. */
    static final int ACTIVE_PASS_TOKENS = 32;

    private final int repetitions;
    private final long warmUpNanos;
    private final long seed;
    private final Consumer<String> progress;
    private final Consumer<String> notes;
    private final java.util.Set<String> noted = new java.util.HashSet<>();

    /**
     * @param warmUpSeconds the least time each test warms up for ({@link #warmUp}); 0: one run, as llama-bench
     * @param progress receives a line before each run (the command shows it only on a terminal)
     * @param notes receives, once each, what the engines say about how the model runs (repacking, a fallback layout)
     */
    public BenchRunner(int repetitions, double warmUpSeconds, long seed, Consumer<String> progress, Consumer<String> notes) {
        if (repetitions < 1) throw new IllegalArgumentException("repetitions " + repetitions);
        if (!(warmUpSeconds >= 0)) throw new IllegalArgumentException("warm-up " + warmUpSeconds);
        this.repetitions = repetitions;
        this.warmUpNanos = (long) (warmUpSeconds * 1e9);
        this.seed = seed;
        this.progress = progress;
        this.notes = notes;
    }

    /** Positions a set of tests needs: the longest of them with its depth (each test starts from its depth). */
    public static int contextFor(List<BenchCase> tests) {
        return tests.stream().mapToInt(BenchCase::positions).max().orElse(1);
    }

    /** Runs every test for one model, mode and thread count; each finished row goes to {@code sink} as well. */
    public List<BenchResult> run(Model model, ModelFacts facts, EngineOptions options, List<BenchCase> tests,
                                 List<ActiveFractions> active, Consumer<BenchResult> sink) {
        List<BenchResult> rows = new ArrayList<>();
        try (Engine engine = model.engine(options.withStatistics(Statistics.NONE))) {
            engine.notes().stream().filter(noted::add).forEach(notes);
            for (int i = 0; i < tests.size(); i++) {
                BenchCase test = tests.get(i);
                Inputs in = inputs(model, test);
                warmUp(engine, facts, test, in);
                List<Long> samples = new ArrayList<>(repetitions);
                for (int r = 0; r < repetitions; r++) samples.add(timed(engine, facts, test, in, r));
                BenchResult row = row(engine, facts, options, test, samples, active.get(i));
                rows.add(row);
                sink.accept(row);
            }
        }
        return rows;
    }

    /**
     * {@link #run} for several modes at once (one engine each, {@code options.get(m)} with {@code active.get(m)}), their
     * runs taken in turns: warm-ups, then repetition 1 of every mode, repetition 2 of every mode, and so on. A machine
     * whose speed drifts over minutes then gives every mode the same minutes, which their ratio needs. Rows come out
     * mode by mode, as {@link #run} gives them.
     */
    public List<BenchResult> runInterleaved(Model model, ModelFacts facts, List<EngineOptions> options, List<BenchCase> tests,
                                            List<List<ActiveFractions>> active, Consumer<BenchResult> sink) {
        List<Engine> engines = new ArrayList<>();
        try {
            for (EngineOptions o : options) {
                Engine engine = model.engine(o.withStatistics(Statistics.NONE));
                engines.add(engine);
                engine.notes().stream().filter(noted::add).forEach(notes);
            }
            BenchResult[][] results = new BenchResult[engines.size()][tests.size()];
            for (int i = 0; i < tests.size(); i++) {
                BenchCase test = tests.get(i);
                Inputs in = inputs(model, test);
                List<List<Long>> samples = new ArrayList<>();
                for (Engine engine : engines) {
                    warmUp(engine, facts, test, in);
                    samples.add(new ArrayList<>(repetitions));
                }
                for (int r = 0; r < repetitions; r++) {
                    for (int m = 0; m < engines.size(); m++) samples.get(m).add(timed(engines.get(m), facts, test, in, r));
                }
                for (int m = 0; m < engines.size(); m++) results[m][i] = row(engines.get(m), facts, options.get(m), test, samples.get(m), active.get(m).get(i));
            }
            List<BenchResult> rows = new ArrayList<>();
            for (BenchResult[] mode : results) {
                for (BenchResult row : mode) {
                    rows.add(row);
                    sink.accept(row);
                }
            }
            return rows;
        } finally {
            for (Engine engine : engines.reversed()) engine.close();
        }
    }

    /**
     * Untimed runs for at least the warm-up time: one, as llama-bench does, on a model big enough to take that long;
     * more on a small one, whose first runs are still being compiled by the JIT (the demo model's tg16 took 38 ms in its
     * second run and 5 ms in its fifteenth), so that the timed runs do not depend on which test or mode ran first.
     */
    private void warmUp(Engine engine, ModelFacts facts, BenchCase test, Inputs in) {
        progress.accept(facts.filename() + " " + engine.sparsity().label() + " t=" + engine.threads() + " " + test.name()
                + (engine.tokens().length < test.depth() ? ": filling the cache to the depth, then warm-up" : ": warm-up"));
        long start = System.nanoTime();
        do {
            runOnce(engine, test, in);
        } while (System.nanoTime() - start < warmUpNanos);
    }

    private long timed(Engine engine, ModelFacts facts, BenchCase test, Inputs in, int repetition) {
        progress.accept(facts.filename() + " " + engine.sparsity().label() + " t=" + engine.threads() + " " + test.name() + ": run " + (repetition + 1) + "/" + repetitions);
        return runOnce(engine, test, in);
    }

    private static BenchResult row(Engine engine, ModelFacts facts, EngineOptions options, BenchCase test, List<Long> samples, ActiveFractions a) {
        return new BenchResult(facts, engine.backend() == BackendChoice.CPU ? "CPU" : "TornadoVM", engine.threads(), options.promptBatch(), options.kvCache(),
                engine.sparsity().label(), test, samples, a.computed(), a.trueActive(), a.precision(), a.recall(), Instant.now().toString());
    }

    /**
     * The untimed pass: per test, the share of FFN neurons the mode computes and, with {@code truth}, the share really
     * active, over the test's first {@value #ACTIVE_PASS_TOKENS} tokens (and, where the model has a predictor and the
     * mode does not use it, the predictor's, run beside, as {@code generate --stats} reports them). Dense mode computes
     * every neuron: without {@code truth} there is nothing to measure.
     */
    public List<ActiveFractions> activeFractions(Model model, EngineOptions options, List<BenchCase> tests, boolean truth) {
        SparsityMode mode = options.sparsity().resolve(model.weights());
        List<ActiveFractions> out = new ArrayList<>();
        if (mode == SparsityMode.DENSE && !truth) {
            for (int i = 0; i < tests.size(); i++) out.add(ActiveFractions.DENSE);
            return out;
        }
        try (Engine engine = model.engine(options.withStatistics(truth ? Statistics.FULL : Statistics.COMPUTED))) {
            for (BenchCase test : tests) {
                BenchCase shorter = new BenchCase(test.kind(), Math.min(test.tokens(), ACTIVE_PASS_TOKENS), 0);
                progress.accept(model.loaded().path().getFileName() + " " + mode.label() + " " + test.name() + ": measuring active neurons");
                engine.stats().orElseThrow().reset();
                engine.predictorStats().ifPresent(SparsityStats::reset);
                // the test's own tokens, cut short (a shorter test's name would seed other tokens), from an empty context
                runOnce(engine, shorter, new Inputs(new int[0], Arrays.copyOf(inputs(model, test.atDepth(0)).tokens(), shorter.tokens())));
                out.add(ActiveFractions.of(engine.stats().orElseThrow(), engine.predictorStats(), mode, shorter.tokens()));
            }
        }
        return out;
    }

    /**
     * One timed run from the test's depth; returns its nanoseconds. The cache is filled to the depth untimed, once: a
     * later run on the same engine only forgets what came after it.
     */
    static long runOnce(Engine engine, BenchCase test, Inputs in) {
        InferenceSession session = engine.session();
        if (in.context().length == 0) {
            session.reset();
        } else if (!holds(engine.tokens(), in.context())) {
            session.reset();
            session.append(in.context());
        } else {
            session.rewind(in.context().length);
        }
        return runOnce(session, test, in.tokens());
    }

    private static boolean holds(int[] cached, int[] context) {
        return cached.length >= context.length && Arrays.equals(cached, 0, context.length, context, 0, context.length);
    }

    /** One timed run of {@code tokens} after what the session holds; returns its nanoseconds. */
    private static long runOnce(InferenceSession session, BenchCase test, int[] tokens) {
        long t0 = System.nanoTime();
        if (test.kind() == BenchCase.Kind.PROMPT) {
            session.append(tokens);
        } else {
            for (int token : tokens) session.append(token);
        }
        return System.nanoTime() - t0;
    }

    /** A test's input: the tokens that fill the cache to its depth (none at depth 0), then the test's own. */
    record Inputs(int[] context, int[] tokens) {}

    /**
     * The test's tokens, BOS then random tokens of the tokenizer's vocabulary from a generator seeded by the seed and
     * the test (not its depth); at a depth, that many tokens before them from a generator seeded by the depth, and the
     * test's tokens without their BOS (the same generator's next token at the end instead).
     */
    Inputs inputs(Model model, BenchCase test) {
        SplittableRandom random = new SplittableRandom(seed * 31 + test.baseName().hashCode());
        int[] tokens = model.randomPrompt(test.tokens() + (test.depth() > 0 ? 1 : 0), random);
        if (test.depth() == 0) return new Inputs(new int[0], tokens);
        int[] context = model.randomPrompt(test.depth(), new SplittableRandom(seed * 31 + ("d" + test.depth()).hashCode()));
        return new Inputs(context, Arrays.copyOfRange(tokens, 1, tokens.length));
    }

    /**
     * Shares of FFN neurons in the statistics pass; NaN where not measured.
     *
     * @param recall share of the truly active neurons computed (NaN without the true activations)
     * @param table  the pass's per-layer table ({@link SparsityMode#statisticsTable}, what {@code generate --stats} prints);
     *               empty for dense mode, which is not measured
     * @param predictorTable the table of the predictor run beside exact mode ({@link Engine#predictorStats}); empty
     *                       where none ran
     * @param tokens the tokens the pass ran
     */
    public record ActiveFractions(double computed, double trueActive, double precision, double recall, String table, String predictorTable, int tokens) {
        static final ActiveFractions DENSE = new ActiveFractions(1.0, Double.NaN, Double.NaN, Double.NaN, "", "", 0);

        static ActiveFractions of(SparsityStats stats, Optional<SparsityStats> predictor, SparsityMode mode, int tokens) {
            LayerSparsity s = stats.overall();
            return new ActiveFractions(s.predictedActive(), s.trueActive(), s.precision(), s.recall(), mode.statisticsTable(stats),
                    predictor.map(SparsityStats::table).orElse(""), tokens);
        }
    }
}
