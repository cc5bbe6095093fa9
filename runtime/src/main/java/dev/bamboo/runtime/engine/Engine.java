package dev.bamboo.runtime.engine;

import dev.bamboo.predictor.ActivationPredictor;
import dev.bamboo.predictor.SparsityStats;
import dev.bamboo.runtime.backend.AcceleratorBackend;
import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.runtime.backend.Backends;
import dev.bamboo.runtime.ffn.AllNeurons;
import dev.bamboo.runtime.ffn.DenseFeedForward;
import dev.bamboo.runtime.ffn.ExactSelector;
import dev.bamboo.runtime.ffn.FeedForward;
import dev.bamboo.runtime.ffn.MeasuredSelector;
import dev.bamboo.runtime.ffn.NeuronSelector;
import dev.bamboo.runtime.ffn.PredictedSelector;
import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.forward.HeapRoom;
import dev.bamboo.runtime.forward.KvCacheTypes;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.ByteSize;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A model made runnable: the backend chosen by {@code --backend} (TornadoVM, or the CPU engine with its compute
 * threads and the FFN of the chosen sparsity mode) and a session on it. An engine runs one sequence for one thread at
 * a time; threads that generate at the same time each need their own engine (engines of one model share its weights).
 */
public final class Engine implements AutoCloseable {
    private final SparsityMode sparsity;
    private final ComputePool pool;
    private final SparsityStats stats;
    /** The predictor's picks beside a dense or exact FFN ({@link #predictorStats()}); null otherwise. */
    private SparsityStats predictorStats;
    private final ExclusiveSession session;
    private final BackendChoice backend;
    private final List<String> notes = new ArrayList<>();

    /** An engine whose CPU form of the weights comes from (and is kept in) {@code cpuWeights}, shared with other engines. */
    public Engine(ModelWeights weights, EngineOptions options, CpuWeights cpuWeights) {
        if (!cpuWeights.madeFrom(weights)) throw new IllegalArgumentException("cpuWeights were made for another model's weights");
        ModelConfig config = weights.config();
        this.sparsity = options.sparsity().resolve(weights);
        boolean predictorBeside = options.statistics() == Statistics.FULL && weights.predictor().isPresent();
        if (options.sparseThreshold().isPresent() && sparsity != SparsityMode.PREDICTED && !predictorBeside) {
            notes.add("--sparse-threshold applies to the predictor; " + sparsity.label() + " mode does not use it");
        }
        int context = options.resolveContext(config);
        EngineOptions resolved = options.withContextLength(context);

        InferenceSession accelerated = openAccelerator(weights, options, resolved);
        if (accelerated != null) {
            this.pool = null;
            this.stats = null;
            this.backend = BackendChoice.TORNADO;
            this.session = exclusive(accelerated, cpuWeights);
            return;
        }
        this.backend = BackendChoice.CPU;
        this.pool = new ComputePool(options.threads());
        ExclusiveSession made = null;
        try {
            int batch = Math.min(options.promptBatch(), context);
            checkContextFits(config, context, batch, options.kvCache());
            // sparse decode steps read an active neuron's rows together (gate, up and down; exact: up and down):
            // bundled, they are one run. Exact mode gains only where every neuron whose gate passes is active: on trained
            // dReLU models, where about half of them have a negative up, bundles tie the matrices (bench/HISTORY.md,
            // Q4_0, "Sixteenth session") and would only cost their memory and load time. An engine that reads bundles
            // and comes first has the FFN packed as bundles in place of the matrices (Bamboo-7B Q4_0: 2.95 GiB less),
            // and copies of its own of those it multiplies whole (exact: the gate; dense: gate and up)
            boolean bundles = sparsity == SparsityMode.PREDICTED || sparsity == SparsityMode.EXACT && !config.ffn().cutsUp();
            CpuWeights.Prepared cpu = cpuWeights.prepared(pool, sessionBytes(config, context, batch, options.kvCache()), bundles, wholeMatrices(bundles, options));
            cpu.note().ifPresent(notes::add);
            weights = cpu.weights();
            this.stats = keepsStatistics(options) ? new SparsityStats(config.layers(), config.intermediateSize()) : null;
            FeedForward ffn = feedForward(weights, options, batch);
            made = exclusive(new CpuSession(weights, pool, ffn, context, batch, options.kvCache()), cpuWeights);
            this.session = made;
            // bundles beside the matrices are made once per model, after this session has its memory, leaving room
            // for one more session like it (another engine)
            if (ffn instanceof SparseFeedForward sparse && bundles) {
                Q4_0NeuronBundles[] neuronBundles = cpuWeights.neuronBundles(pool, sessionBytes(config, context, batch, options.kvCache()));
                long bundled = sparse.bundleNeurons(neuronBundles);
                if (bundled > 0) {
                    notes.add("sparse decode steps read neuron bundles: ffn_gate, ffn_up and ffn_down_t laid out by neuron " + (cpuWeights.inPlace(neuronBundles)
                            ? "in place of the matrices" : String.format(java.util.Locale.ROOT, "beside the matrices (%s of memory, shared by the model's engines)", ByteSize.binary(bundled))));
                }
            }
        } catch (RuntimeException | Error e) {
            // a session made already releases the pool, and no longer waits to be closed with the model
            if (made != null) made.close();
            else pool.close();
            throw e;
        }
    }

    /**
     * The FFN matrices this engine multiplies whole, or streams whole where a token's list is long: dense mode the gate
     * and up (its down projection accumulates every row of a copy laid out for that: {@code RowRunsCopies}), exact mode
     * over the matrices all three, exact mode over neuron bundles the gate, predicted mode none. Measuring the true
     * activity ({@link Statistics#FULL}) multiplies the gate and up whole too.
     */
    private Set<Q4_0NeuronBundles.Part> wholeMatrices(boolean bundles, EngineOptions options) {
        Set<Q4_0NeuronBundles.Part> whole = switch (sparsity) {
            case PREDICTED -> EnumSet.noneOf(Q4_0NeuronBundles.Part.class);
            case EXACT -> bundles ? EnumSet.of(Q4_0NeuronBundles.Part.GATE) : EnumSet.allOf(Q4_0NeuronBundles.Part.class);
            default -> EnumSet.of(Q4_0NeuronBundles.Part.GATE, Q4_0NeuronBundles.Part.UP);
        };
        if (options.statistics() == Statistics.FULL) whole.addAll(EnumSet.of(Q4_0NeuronBundles.Part.GATE, Q4_0NeuronBundles.Part.UP));
        return whole;
    }

    /** Dense mode computes every neuron: only measuring the true activity ({@link Statistics#FULL}) gives it statistics. */
    private boolean keepsStatistics(EngineOptions options) {
        return options.statistics() == Statistics.FULL || options.statistics() == Statistics.COMPUTED && sparsity != SparsityMode.DENSE;
    }

    /** {@code inner} for one thread at a time, closed with this engine and unusable once the model is closed. */
    private ExclusiveSession exclusive(InferenceSession inner, CpuWeights cpuWeights) {
        ExclusiveSession[] made = new ExclusiveSession[1];
        made[0] = new ExclusiveSession(inner, () -> {
            inner.close();
            if (pool != null) pool.close();
            cpuWeights.sessionClosed(made[0]);
        }, cpuWeights::closed);
        cpuWeights.sessionOpened(made[0]);
        return made[0];
    }

    /**
     * The accelerator's session when {@code options.backend()} asks for one and it starts; null for the CPU engine. With
     * {@code --backend tornado} a missing or failing TornadoVM is an error; with {@code auto} the reason it was not used
     * becomes the first note, or an error where {@code --device} named an accelerator.
     */
    private InferenceSession openAccelerator(ModelWeights weights, EngineOptions options, EngineOptions resolved) {
        Optional<AcceleratorBackend> tornado = options.backend() == BackendChoice.CPU ? Optional.empty() : Backends.tornado();
        Optional<String> unavailable = options.backend() == BackendChoice.CPU ? Optional.of("--backend cpu") : Backends.unavailable(tornado);
        if (options.backend() == BackendChoice.TORNADO && unavailable.isPresent()) {
            throw new BambooException("--backend tornado is not available: " + unavailable.get() + "; use --backend cpu");
        }
        InferenceSession accelerated = null;
        if (unavailable.isEmpty()) {
            if (options.statistics() != Statistics.NONE) throw new BambooException("--stats runs on the CPU engine only; add --backend cpu");
            if (!options.kvCache().equals(KvCacheTypes.F32)) {
                throw new BambooException("an f16 KV cache (--cache-type-k, --cache-type-v) runs on the CPU engine only; add --backend cpu or drop them");
            }
            try {
                accelerated = tornado.orElseThrow().open(weights, resolved, sparsity, options.device());
            } catch (BambooException e) {
                if (options.backend() == BackendChoice.TORNADO) throw e;
                unavailable = Optional.of(e.getMessage());
            } catch (RuntimeException | LinkageError e) {
                if (options.backend() == BackendChoice.TORNADO) {
                    throw new BambooException("TornadoVM failed to start: " + e + "; use --backend cpu", e);
                }
                unavailable = Optional.of("TornadoVM failed to start (" + e + ")");
            }
        }
        if (options.backend() == BackendChoice.AUTO && unavailable.isPresent()) {
            // a device asked for by number is a request for that accelerator, not for whatever runs
            if (options.device() >= 0) {
                throw new BambooException("--device " + options.device() + " names an accelerator, but none can be used (" + unavailable.get()
                        + "); drop --device to run on the CPU engine");
            }
            notes.add("running on the CPU engine: " + unavailable.get());
        }
        return accelerated;
    }

    /** Heap the CPU session takes once the weights are prepared: the KV cache and the per-token work arrays. */
    /** The most elements a Java array can hold on common JVMs. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * Refuses, before anything is made, a context whose KV cache the CPU engine cannot hold at all: a layer's keys
     * longer than a Java array, or a cache larger than the heap the JVM may ever have (a model may claim a context of
     * billions of positions).
     */
    private static void checkContextFits(ModelConfig config, int context, int batch, KvCacheTypes cache) {
        long layerValues = (long) context * config.kvDim();
        if (layerValues > MAX_ARRAY) {
            throw new BambooException(String.format(java.util.Locale.ROOT, "-c %d is too long for the CPU engine's KV cache (a layer would hold %d "
                    + "values, more than a Java array); use -c %d or less", context, layerValues, MAX_ARRAY / config.kvDim()));
        }
        long need = sessionBytes(config, context, batch, cache), max = Runtime.getRuntime().maxMemory();
        if (need > max) {
            long gib = (need >> 30) + 2;
            throw new BambooException(String.format(java.util.Locale.ROOT, "-c %d needs %s of Java heap for the KV cache, more than the %s the JVM "
                    + "may use; use a smaller -c or give the JVM more heap (./bamboo: BAMBOO_HEAP=%dg; java: -Xmx%dg)", context,
                    ByteSize.binary(need), ByteSize.binary(max), gib, gib));
        }
    }

    private static long sessionBytes(ModelConfig config, int context, int batch, KvCacheTypes cache) {
        // per layer, one array of keys and one of values
        long values = (long) context * config.kvDim();
        return config.layers() * (HeapRoom.array(values * cache.keys().bytes()) + HeapRoom.array(values * cache.values().bytes()))
                + (long) batch * ((long) config.hiddenSize() * 8 + (long) config.intermediateSize() * 6 + config.vocabSize()) * Float.BYTES;
    }

    private FeedForward feedForward(ModelWeights weights, EngineOptions options, int batch) {
        NeuronSelector selector = switch (sparsity) {
            // dense computes every neuron: only measuring the truth needs it to go through the sparse FFN
            case DENSE -> options.statistics() == Statistics.FULL ? new AllNeurons() : null;
            case EXACT -> new ExactSelector(weights, pool);
            case PREDICTED -> new PredictedSelector(predictor(weights, options));
            case AUTO -> throw new IllegalStateException("AUTO is resolved above");
        };
        if (selector == null) {
            DenseFeedForward dense = new DenseFeedForward(weights, pool, batch);
            if (dense.rowRunsBytes() > 0) {
                notes.add(String.format(java.util.Locale.ROOT, "laid ffn_down_t out for the dense FFN's row accumulation (%s of memory)", ByteSize.binary(dense.rowRunsBytes())));
            }
            return dense;
        }
        if (options.statistics() == Statistics.FULL && sparsity != SparsityMode.PREDICTED && weights.predictor().isPresent()) {
            // the predictor beside dense or exact mode, for its recall: what predicted mode would have computed
            predictorStats = new SparsityStats(weights.config().layers(), weights.config().intermediateSize());
            selector = MeasuredSelector.withTruthAndPredictor(selector, weights, pool, batch, stats, predictor(weights, options), predictorStats);
        } else if (options.statistics() == Statistics.FULL) {
            selector = MeasuredSelector.withTruth(selector, weights, pool, batch, stats);
        }
        if (options.statistics() == Statistics.COMPUTED) selector = MeasuredSelector.countsOnly(selector, stats);
        SparseFeedForward sparse = new SparseFeedForward(weights, pool, selector, batch);
        if (sparse.transposedBytes() > 0) {
            notes.add(String.format(java.util.Locale.ROOT, "transposed ffn_down once for the sparse FFN (%s of memory)", ByteSize.binary(sparse.transposedBytes())));
        }
        return sparse;
    }

    private ActivationPredictor predictor(ModelWeights weights, EngineOptions options) {
        PredictorWeights p = weights.predictor().orElseThrow();
        return options.sparseThreshold().isPresent()
                ? new ActivationPredictor(p, pool, (float) options.sparseThreshold().getAsDouble())
                : new ActivationPredictor(p, pool);
    }

    /**
     * The engine's sequence: its KV cache and position. One thread at a time: a call that runs or rewinds it while
     * another thread holds it (a generation runs there) fails with an {@code IllegalStateException}, as does one after
     * {@link #close}; {@code position()} and {@code contextLength()} are plain reads for any thread.
     */
    public InferenceSession session() {
        return session;
    }

    /**
     * The ids the session's cache holds, one per position before {@code session().position()}, whoever appended them:
     * a caller that reuses the cache across calls (a chat) compares its next prompt with these, not with its own record.
     */
    public int[] tokens() {
        return session.tokens();
    }

    /** The sparsity mode in effect (AUTO resolved). */
    public SparsityMode sparsity() {
        return sparsity;
    }

    /** Where the forward pass runs: {@link BackendChoice#CPU} or {@link BackendChoice#TORNADO} (AUTO resolved). */
    public BackendChoice backend() {
        return backend;
    }

    /**
     * Things worth telling the user about how the model runs: first, with {@code --backend auto}, why the CPU engine runs
     * instead of an accelerator; then memory spent on layout changes, ...
     */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /**
     * Per-layer sparsity statistics, when the options asked for them ({@link EngineOptions#statistics()}; none for
     * {@link Statistics#COMPUTED} in dense mode). They add up over every generation of this engine: {@code reset()}
     * starts them again. Read them on the thread that generates.
     */
    public Optional<SparsityStats> stats() {
        return Optional.ofNullable(stats);
    }

    /**
     * In dense or exact mode with {@link Statistics#FULL} statistics, on a model with a predictor: the predictor run
     * beside the FFN, its picks (unused) against the neurons really active, as {@link #stats()} records them in
     * predicted mode. They add up as those do; {@code reset()} starts them again.
     */
    public Optional<SparsityStats> predictorStats() {
        return Optional.ofNullable(predictorStats);
    }

    /** CPU compute threads (0 on an accelerator). */
    public int threads() {
        return pool == null ? 0 : pool.threads();
    }

    /**
     * Frees the KV cache and the compute threads; closing again does nothing. From another thread while a generation
     * runs, the generation's next step fails and this call waits until it has stopped (so do not close from a thread the
     * generation's callback waits for); from the callback itself, the resources go when the generation returns.
     */
    @Override
    public void close() {
        session.close();
    }
}
