package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.bench.BenchResult;
import dev.bamboo.runtime.bench.BenchRunner;
import dev.bamboo.runtime.bench.BenchCase;
import dev.bamboo.runtime.bench.ModelFacts;
import dev.bamboo.runtime.bench.OutputFormat;
import dev.bamboo.runtime.bench.ResultPrinter;
import dev.bamboo.runtime.bench.Roofline;
import dev.bamboo.runtime.bench.SpeedRatios;
import dev.bamboo.runtime.bench.WeightTraffic;
import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.forward.CacheType;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.model.ModelLoader;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.parallel.ReadBandwidth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code bamboo bench}: llama-bench's tests and table (pp512, tg128, t/s as mean ± stddev) plus sparsity. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure prompt processing (pp) and generation (tg) speed, as llama-bench does.",
                "Inputs are random tokens (seeded); each test gets untimed warm-up runs (--warm-up), then -r timed runs.",
                "Lists (-p 64,512 -t 1,2 --sparsity dense,predicted) and several -m run every combination.",
                "active %%: the share of FFN neurons whose up/down rows are computed, measured in a separate untimed pass (from an empty cache)."})
final class BenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "PATH", description = "model file or directory; repeat for several (default: $BAMBOO_MODEL, else the bundled demo model)")
    List<Path> models = new ArrayList<>();

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", split = ",", defaultValue = "512",
            description = "prompt lengths to test (ppN), 0 = none (default: ${DEFAULT-VALUE})")
    List<Integer> prompts;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", split = ",", defaultValue = "128",
            description = "generation lengths to test (tgN), 0 = none (default: ${DEFAULT-VALUE})")
    List<Integer> gens;

    @Option(names = {"-d", "--n-depth"}, paramLabel = "N", split = ",", defaultValue = "0",
            description = {"tokens in the KV cache before each test (filled once per engine, untimed; llama-bench's -d),",
                    "for the speed at a long context: attention reads the whole cache every token (default: ${DEFAULT-VALUE})"})
    List<Integer> depths;

    /** Far more runs than a mean and deviation need; each test keeps its runs' times. */
    private static final int MAX_REPETITIONS = 10_000;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "5", description = "timed runs per test (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", split = ",", description = "thread counts to test (default: physical cores)")
    List<Integer> threads;

    /** llama-bench's combined test, which Bamboo does not run: taken so that it is refused by name, not read as -p g. */
    @Option(names = "-pg", hidden = true, paramLabel = "PP,TG")
    String promptAndGeneration;

    @Option(names = "--warm-up", paramLabel = "S", defaultValue = "1", description = {"untimed runs before each test's timed ones, for at least S seconds",
            "(the JVM compiles a small model's kernels during its first runs); 0 = one run, as llama-bench (default: ${DEFAULT-VALUE})"})
    double warmUpSeconds;

    @Option(names = "--sparsity", paramLabel = "MODE", split = ",", defaultValue = "auto",
            description = "FFN modes to test: dense, exact, predicted, auto (default: ${DEFAULT-VALUE})")
    List<String> sparsity;

    @Mixin SparseThresholdOption sparseThreshold;

    @Mixin PredictorOption predictor;

    @Option(names = {"-ctk", "--cache-type-k"}, paramLabel = "TYPE", split = ",", defaultValue = "f32",
            description = "KV cache types of the keys to test: f32, f16 (default: ${DEFAULT-VALUE})")
    List<String> cacheTypeK;

    @Option(names = {"-ctv", "--cache-type-v"}, paramLabel = "TYPE", split = ",", defaultValue = "f32",
            description = "KV cache types of the values to test: f32, f16; every pair with -ctk runs (default: ${DEFAULT-VALUE})")
    List<String> cacheTypeV;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", defaultValue = "512", description = "prompt tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "md", description = "md, csv, json or jsonl (default: ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1234", description = "seed of the random input tokens (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--bandwidth", description = {"after each thread count's tests, measure the memory read bandwidth with that many threads (a stream read of 1 GiB)",
            "and report on stderr each CPU generation test's weight bytes per token, the GB/s they make and their share of it"})
    boolean bandwidth;

    @Option(names = "--stats", description = {"print on stderr, for each mode and test, the statistics pass's per-layer true active fraction,",
            "selected fraction and recall (the predictor's, in predicted mode; in dense and exact mode also the predictor's, run beside),",
            "as generate --stats does"})
    boolean stats;

    @Option(names = "--interleave", description = {"run the modes' repetitions in turns (one engine per mode: repetition 1 of every mode, then 2, ...),",
            "so that they share the same minutes of a machine whose speed drifts; report on stderr each mode's speed as a multiple of the first mode's"})
    boolean interleave;

    /** A list option given only commas (picocli splits "," into no values) would silently drop its tests or columns. */
    private static void listsSomething(String option, List<?> values, String example) {
        if (values.isEmpty()) throw new BambooException(option + " lists nothing; give one or more values separated by commas, such as " + example);
    }

    @Override
    public Integer call() {
        // every option is checked before a model loads: a 7B file takes a minute to load
        if (promptAndGeneration != null) {
            throw new BambooException("-pg " + promptAndGeneration + ": bench has no combined prompt-and-generation test (llama-bench's -pg); "
                    + "measure the two parts with -p and -n");
        }
        if (!(warmUpSeconds >= 0 && warmUpSeconds <= 600)) throw new BambooException("--warm-up " + warmUpSeconds + " is out of range: use 0 to 600 seconds");
        listsSomething("-p", prompts, "-p 64,512 (0: no prompt test)");
        listsSomething("-n", gens, "-n 16,128 (0: no generation test)");
        listsSomething("-d", depths, "-d 0,2048");
        listsSomething("--sparsity", sparsity, "--sparsity dense,predicted");
        if (threads != null) listsSomething("-t", threads, "-t 1,2");
        OutputFormat format = OutputFormat.parse(output);
        List<KvCacheTypes> caches = caches();
        List<BenchCase> tests = tests();
        List<SparsityMode> modes = modes();
        List<Integer> threadCounts = threadCounts();
        if (repetitions < 1 || repetitions > MAX_REPETITIONS) {
            throw new BambooException("-r " + repetitions + " is out of range: use 1 to " + MAX_REPETITIONS + " repetitions");
        }
        BambooCli root = BambooCli.root(spec);
        BackendChoice backend = root.backend;
        OptionalDouble threshold = sparseThreshold.value();
        List<Path> paths = models.isEmpty() ? List.of(DefaultModel.path()) : models;
        for (Path path : paths) {
            // a mistyped second -m fails before the first model's runs, not after them
            ModelLoader.checkPath(path);
        }
        if (paths.size() > 1) {
            // and a mode or context a later model cannot run fails before the first model's runs too
            for (Path path : paths) {
                try (Model model = Model.load(path, predictor.value())) {
                    checkContext(model, path, tests);
                    for (SparsityMode mode : modes) {
                        try {
                            mode.resolve(model.weights());
                        } catch (BambooException e) {
                            throw whichModel(path, e);
                        }
                    }
                }
            }
        }

        PrintWriter out = spec.commandLine().getOut();
        Consumer<String> progress = progress(spec.commandLine().getErr());
        boolean sparsityColumns = modes.stream().anyMatch(m -> m != SparsityMode.DENSE);
        ResultPrinter printer = format.printer(out, sparsityColumns, caches.stream().anyMatch(c -> !c.equals(KvCacheTypes.F32)));
        PrintWriter err = spec.commandLine().getErr();
        BenchRunner runner = new BenchRunner(repetitions, warmUpSeconds, seed, progress, note -> {
            progress.accept(null);
            err.println("bamboo: " + note);
            err.flush();
        });
        for (Path path : paths) {
            try (Model model = Model.load(path, predictor.value())) {
                int context = checkContext(model, path, tests);
                ModelFacts facts = ModelFacts.of(model);
                List<EngineOptions> bases = new ArrayList<>();
                List<List<BenchRunner.ActiveFractions>> actives = new ArrayList<>();
                java.util.Set<SparsityMode> resolved = java.util.EnumSet.noneOf(SparsityMode.class);
                for (SparsityMode mode : modes) {
                    // an impossible mode fails here, before any run; auto beside the mode it picks runs once
                    if (!resolved.add(mode.resolve(model.weights()))) continue;
                    for (KvCacheTypes cache : caches) {
                        EngineOptions base = EngineOptions.defaults().withSparsity(mode).withContextLength(context)
                                .withPromptBatch(batch).withSparseThreshold(threshold).withThreads(threadCounts.getFirst())
                                .withBackend(backend, root.device).withKvCache(cache);
                        bases.add(base);
                        if (interleave) actives.add(activeFractions(runner, model, base, tests, progress, err));
                    }
                }
                if (interleave && bases.size() == 1) {
                    progress.accept(null);
                    err.println("bamboo: --interleave: " + model.loaded().path().getFileName() + " has one mode to run (" + resolved.iterator().next().label()
                            + "), so there is nothing to take turns with; give two or more with --sparsity, such as --sparsity dense,predicted");
                    err.flush();
                }
                WeightTraffic traffic = bandwidth ? WeightTraffic.of(model.weights()) : null;
                if (interleave) {
                    for (int t : threadCounts) {
                        List<EngineOptions> options = bases.stream().map(b -> b.withThreads(t)).toList();
                        List<BenchResult> rows = runner.runInterleaved(model, facts, options, tests, actives, printer::row);
                        progress.accept(null);
                        for (String line : SpeedRatios.lines(rows)) err.println("bamboo: interleaved: " + line);
                        err.flush();
                        if (bandwidth) roofline(rows, traffic, t, progress, err);
                    }
                } else {
                    for (EngineOptions base : bases) {
                        List<BenchRunner.ActiveFractions> active = activeFractions(runner, model, base, tests, progress, err);
                        for (int t : threadCounts) {
                            List<BenchResult> rows = runner.run(model, facts, base.withThreads(t), tests, active, printer::row);
                            if (bandwidth) roofline(rows, traffic, t, progress, err);
                        }
                    }
                }
            } catch (BambooException e) {
                throw paths.size() > 1 ? whichModel(path, e) : e;
            }
        }
        progress.accept(null);
        printer.finish();
        return 0;
    }

    /** {@code e}, naming the model it came from (one of several -m) where it does not already. */
    private static BambooException whichModel(Path path, BambooException e) {
        String name = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        return e.getMessage().contains(name) ? e : new BambooException(name + ": " + e.getMessage(), e);
    }

    /**
     * The statistics pass (it needs the CPU engine's measurements, whatever backend is timed); with {@code --stats} its
     * per-layer tables go to stderr.
     */
    private List<BenchRunner.ActiveFractions> activeFractions(BenchRunner runner, Model model, EngineOptions base, List<BenchCase> tests,
                                                              Consumer<String> progress, PrintWriter err) {
        List<BenchRunner.ActiveFractions> active = runner.activeFractions(model, base.withBackend(BackendChoice.CPU, -1), tests, stats);
        if (stats) {
            progress.accept(null);
            SparsityMode mode = base.sparsity().resolve(model.weights());
            for (int i = 0; i < tests.size(); i++) {
                BenchRunner.ActiveFractions a = active.get(i);
                if (a.table().isEmpty()) continue;
                err.print("\nbamboo: sparsity statistics (" + model.loaded().path().getFileName() + ", " + mode.label() + ", " + tests.get(i).name()
                        + ", its first " + a.tokens() + " tokens; " + mode.statisticsLegend() + ")\n" + a.table());
                if (!a.predictorTable().isEmpty()) {
                    err.print("\nbamboo: predictor statistics (" + model.loaded().path().getFileName() + ", " + tests.get(i).name() + "; "
                            + mode.predictorLegend() + ")\n" + a.predictorTable());
                }
            }
            err.flush();
        }
        return active;
    }

    /** The read bandwidth with {@code threads} threads, then each generation row against it, on stderr. */
    private static void roofline(List<BenchResult> rows, WeightTraffic traffic, int threads, Consumer<String> progress, PrintWriter err) {
        progress.accept("measuring the read bandwidth with " + threads + (threads == 1 ? " thread" : " threads"));
        double readGbs;
        try (ComputePool pool = new ComputePool(threads)) {
            readGbs = ReadBandwidth.measure(pool, 1L << 30, 5);
        } catch (OutOfMemoryError e) {
            throw new BambooException("--bandwidth needs 1 GiB of free memory for its read test beside the model; run without --bandwidth");
        }
        progress.accept(null);
        for (BenchResult r : rows) Roofline.line(r, traffic, readGbs).ifPresent(line -> err.println("bamboo: roofline: " + line));
        err.flush();
    }

    /** The tests in the order given, each at every depth; a length given twice runs once (its rows would only repeat). */
    private List<BenchCase> tests() {
        LinkedHashSet<BenchCase> tests = new LinkedHashSet<>();
        for (int d : depths) {
            if (d < 0) throw new BambooException("-d " + d + " is out of range: use a depth of 0 (an empty cache) or more tokens");
        }
        for (int p : prompts) {
            if (p < 0) throw new BambooException("-p " + p + " is out of range: use a prompt length of 1 or more, or 0 for none");
            if (p > 0) for (int d : depths) tests.add(BenchCase.prompt(p).atDepth(d));
        }
        for (int n : gens) {
            if (n < 0) throw new BambooException("-n " + n + " is out of range: use a generation length of 1 or more, or 0 for none");
            if (n > 0) for (int d : depths) tests.add(BenchCase.generation(n).atDepth(d));
        }
        if (tests.isEmpty()) throw new BambooException("no tests: -p and -n are both 0; give a prompt or generation length");
        if (bandwidth && tests.stream().noneMatch(t -> t.nGen() > 0)) {
            throw new BambooException("--bandwidth compares generation tests with the read rate, and -n 0 runs none; give -n N or drop --bandwidth");
        }
        if (batch < 1 || batch > 4096) throw new BambooException("-b " + batch + " is out of range: use 1 to 4096");
        return List.copyOf(tests);
    }

    /** Every pair of the -ctk and -ctv types, keys first, in the order given; each type checked. */
    private List<KvCacheTypes> caches() {
        listsSomething("-ctk", cacheTypeK, "-ctk f32,f16");
        listsSomething("-ctv", cacheTypeV, "-ctv f32,f16");
        List<KvCacheTypes> pairs = new ArrayList<>();
        for (String k : cacheTypeK) {
            for (String v : cacheTypeV) {
                KvCacheTypes pair = new KvCacheTypes(CacheType.parse(k, "--cache-type-k"), CacheType.parse(v, "--cache-type-v"));
                if (!pairs.contains(pair)) pairs.add(pair);
            }
        }
        return pairs;
    }

    private List<SparsityMode> modes() {
        LinkedHashSet<SparsityMode> modes = new LinkedHashSet<>();
        for (String s : sparsity) modes.add(SparsityMode.parse(s));
        return List.copyOf(modes);
    }

    private List<Integer> threadCounts() {
        if (threads == null || threads.isEmpty()) return List.of(ComputePool.defaultThreads());
        for (int t : threads) ComputePool.checkThreads(t);
        return List.copyOf(new LinkedHashSet<>(threads));
    }

    private static int checkContext(Model model, Path path, List<BenchCase> tests) {
        int needed = BenchRunner.contextFor(tests);
        int max = model.config().contextLength();
        if (needed > max) {
            throw new BambooException("test of " + needed + " tokens does not fit the context of " + path.getFileName() + " (" + max + " tokens); "
                    + "use -p/-n (plus -d) of " + max + " or less");
        }
        return needed;
    }

    /** Progress on stderr, overwriting one line, only when stderr is a terminal; {@code null} clears the line. */
    private static Consumer<String> progress(PrintWriter err) {
        java.io.Console console = System.console();
        if (console == null || !console.isTerminal()) return line -> {};
        return line -> {
            err.print("\r\033[K" + (line == null ? "" : String.format(Locale.ROOT, "bench: %s", line)));
            err.flush();
        };
    }
}
