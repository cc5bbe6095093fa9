package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.runtime.forward.HeapRoom;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.io.ByteSize;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.F16ColumnsTensor;
import dev.bamboo.weights.tensor.F16Tensor;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;
import dev.bamboo.weights.tensor.Q4_0PackedTensor;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A model's weights in the layout and the memory the CPU kernels run fastest from, made on first use and shared by
 * every CPU engine of the model: Q4_0 and Q8_0 repacked for the vector unit onto the heap ({@link Tensors#packForCpu}) where
 * the heap has room, the other weights copied out of the mapped file into the process's memory ({@link
 * Tensors#inMemory}) where the system has room. Why the copy: on one host reading a file mapping went at 8–11 GB/s where
 * the same bytes in the process's memory read at 35–48 GB/s, and decode reads every weight once per token (Bamboo-7B
 * F16, dense: 0.46 → 2.33 tokens/s). Every matrix the forward pass multiplies is converted; the large F16 ones it only
 * multiplies whole are stored by columns in the copy ({@link Tensors#columns}). The token embedding is only read row
 * by row and stays as it is unless it doubles as the output matrix.
 *
 * <p>The FFN matrices of a model made for predicted decode first are packed as {@link Q4_0NeuronBundles} where they can
 * be, in place of the matrices: the predicted FFN reads a neuron's gate, up and down rows together, and every other
 * product reads the bundles' parts as tensors, with the same results. The parts multiply whole 2–3× slower than
 * matrices (see {@link Q4_0PackedTensor}), so an engine that multiplies them whole (dense, exact) gets matrices of its
 * own, copied from the parts, where the heap has room; an engine made first for those keeps the matrices, and a predicted
 * engine then copies bundles beside them ({@link #neuronBundles}).
 */
public final class CpuWeights implements AutoCloseable {
    private final ModelWeights original;
    /** Holds the copied weights; closed with the model. */
    private final Arena memory = Arena.ofShared();
    private Prepared prepared;
    /** {@link #prepared} with matrices of their own in place of bundle parts; null until an engine that multiplies them whole asks. */
    private Prepared ownRows;
    /** Per layer, the prepared weights' neuron bundles (null entries where none); null until a sparse engine asks. */
    private Q4_0NeuronBundles[] bundles;
    private volatile boolean closed;
    /** Sessions of the engines made from these weights and not closed yet: closing the weights closes them first. */
    private final Set<InferenceSession> sessions = ConcurrentHashMap.newKeySet();

    public CpuWeights(ModelWeights original) {
        this.original = original;
    }

    /**
     * The converted weights and, when anything was repacked (or could not be), a note for the user; the neuron bundles
     * whose parts are the weights' FFN matrices (null entries for layers without), null when none are.
     */
    record Prepared(ModelWeights weights, Optional<String> note, Q4_0NeuronBundles[] bundles) {
        Prepared(ModelWeights weights, Optional<String> note) {
            this(weights, note, null);
        }
    }

    /** True when these are the CPU form of {@code weights}. */
    boolean madeFrom(ModelWeights weights) {
        return original == weights;
    }

    /** {@link #prepared(ComputePool, long, boolean)} for an engine that multiplies its FFN matrices whole. */
    synchronized Prepared prepared(ComputePool pool, long reserve) {
        return prepared(pool, reserve, false);
    }

    /**
     * The CPU form of the weights, converted now with {@code pool}'s threads if no engine has needed them yet, leaving
     * room for the {@code reserve} bytes of heap the engine will allocate next; with {@code neuronBundles} (predicted
     * decode) the FFN matrices are packed as neuron bundles where they can be. Without, where the weights hold bundle
     * parts, the engine gets matrices of its own where the heap has room for them.
     */
    synchronized Prepared prepared(ComputePool pool, long reserve, boolean neuronBundles) {
        if (prepared == null) {
            prepared = prepare(original, pool, reserve, memory, neuronBundles);
            findSpecialValues(prepared.weights(), pool);
        }
        if (neuronBundles || prepared.bundles() == null) return prepared;
        if (ownRows == null) ownRows = withOwnRows(prepared, pool, reserve);
        return ownRows;
    }

    /**
     * The prepared weights' neuron bundles ({@link SparseFeedForward#neuronBundles}): those the weights are made of, or
     * else made on the first call beside the matrices, where the heap then has room for them and still {@code reserve}
     * bytes more; shared by every engine of the model.
     */
    synchronized Q4_0NeuronBundles[] neuronBundles(ComputePool pool, long reserve) {
        if (prepared == null) throw new IllegalStateException("the weights are not prepared yet");
        if (bundles == null) {
            bundles = prepared.bundles() != null ? prepared.bundles() : SparseFeedForward.neuronBundles(prepared.weights(), pool, reserve);
        }
        return bundles;
    }

    /** True when {@code bundles} are what the FFN matrices of the prepared weights are made of, not a copy beside them. */
    synchronized boolean inPlace(Q4_0NeuronBundles[] bundles) {
        return prepared != null && prepared.bundles() == bundles;
    }

    /**
     * {@code bundled} with each bundle part copied into a matrix of its own, as far as the heap has room for them and
     * still {@code reserve} bytes more; the rest stay parts, with a note that says so.
     */
    private static Prepared withOwnRows(Prepared bundled, ComputePool pool, long reserve) {
        List<Q4_0PackedTensor> parts = new ArrayList<>();
        rebuild(bundled.weights(), new Converter(t -> {
            if (t instanceof Q4_0PackedTensor q && q.partOfRows()) parts.add(q);
            return t;
        }));
        long free = HeapRoom.freeAtLoad(parts.stream().mapToLong(CpuWeights::ownRowsHeap).sum() + reserve);
        List<Q4_0PackedTensor> chosen = new ArrayList<>();
        for (Q4_0PackedTensor part : parts) {
            if (ownRowsHeap(part) + reserve > free) continue;
            chosen.add(part);
            free -= ownRowsHeap(part);
        }
        Map<Tensor, Tensor> copies = new ConcurrentHashMap<>();
        pool.forEach(chosen.size(), k -> copies.put(chosen.get(k), chosen.get(k).withOwnRows(pool)));
        ModelWeights weights = rebuild(bundled.weights(), new Converter(t -> copies.getOrDefault(t, t)));
        List<String> notes = new ArrayList<>();
        bundled.note().ifPresent(notes::add);
        if (!copies.isEmpty()) {
            notes.add(String.format(Locale.ROOT, "copied %d FFN matrices out of the neuron bundles to multiply them whole (%s of memory)", copies.size(),
                    ByteSize.binary(chosen.stream().mapToLong(Tensors::packedBytes).sum())));
        }
        if (copies.size() < parts.size()) {
            notes.add(String.format(Locale.ROOT, "%d FFN matrices are multiplied whole from the neuron bundles, 2-3x slower: copying them "
                    + "needs more heap; %s", parts.size() - copies.size(), moreHeap(parts.stream().mapToLong(CpuWeights::ownRowsHeap).sum() + reserve)));
        }
        return new Prepared(weights, Optional.of(String.join("; ", notes)));
    }

    private static long ownRowsHeap(Q4_0PackedTensor part) {
        long sum = 0;
        for (long array : Tensors.packedArrays(part)) sum += HeapRoom.array(array);
        return sum;
    }

    /** Keeps {@code session} to close with the weights, until it is closed itself ({@link #sessionClosed}). */
    void sessionOpened(InferenceSession session) {
        sessions.add(session);
    }

    void sessionClosed(InferenceSession session) {
        sessions.remove(session);
    }

    /**
     * Closes the engines still open, each after its running generation has stopped (a generation on another thread
     * ends with "the model of this engine is closed"), then frees the copied weights. Closing again does nothing.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        // not while holding this object: a generation on its way out unregisters its session
        for (InferenceSession s : List.copyOf(sessions)) s.close();
        synchronized (this) {
            bundles = null;
            ownRows = null;
            memory.close();
        }
    }

    /** True once {@link #close} ran: the model is gone. */
    boolean closed() {
        return closed;
    }

    private static Prepared prepare(ModelWeights w, ComputePool pool, long reserve, Arena memory, boolean neuronBundles) {
        long start = System.nanoTime();
        Converter counter = counter(w);
        long pack = counter.repackedHeap;
        long free = HeapRoom.freeAtLoad(pack + reserve);
        boolean repack = pack > 0 && pack + reserve <= free;
        // what stays in the file otherwise: everything mapped but what is repacked (Q4_0 or Q8_0 not repacked is copied as it is)
        long copy = counter.mappedBytes - (repack ? counter.repackedMappedBytes : 0);
        long available = availableMemory();
        boolean inMemory = copy > 0 && copy + reserve + (repack ? pack : 0) + COPY_MARGIN <= available;
        List<String> notes = new ArrayList<>();
        if (pack > 0 && !repack) {
            notes.add(String.format(Locale.ROOT, "%s weights run in their file layout, up to 3x slower: "
                    + "repacking them needs %s of Java heap with the KV cache and %s is free; %s",
                    String.join("/", counter.packedTypes), ByteSize.binary(pack + reserve), ByteSize.binary(free), moreHeap(pack + reserve)));
        }
        if (copy > 0 && !inMemory) {
            notes.add(String.format(Locale.ROOT, "%s of weights are read from the mapped file, on some machines several times "
                    + "slower than from memory: copying them needs %s of memory and %s is available", ByteSize.binary(copy),
                    ByteSize.binary(copy + reserve + (repack ? pack : 0) + COPY_MARGIN), ByteSize.binary(available)));
        }
        if (!repack && !inMemory) return new Prepared(w, notes.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", notes)));
        // matrices the forward pass only multiplies whole may change layout in the copy (F16: stored by columns)
        Converter c = new Converter(t -> repack && Tensors.packsForCpu(t) ? Tensors.packForCpu(t, pool) : inMemory ? Tensors.inMemory(t, pool, memory) : t,
                t -> repack && Tensors.packsForCpu(t) ? Tensors.packForCpu(t, pool) : inMemory ? Tensors.columns(t, pool, memory) : t);
        Q4_0NeuronBundles[] bundles = repack && neuronBundles && w.config().ffn().reluFamily() ? c.bundle(w, pool) : null;
        c.convertAll(w, pool);
        ModelWeights prepared = rebuild(w, c);
        List<String> done = new ArrayList<>();
        if (repack) done.add("repacked " + ByteSize.binary(counter.repackedBytes) + " of " + String.join("/", counter.packedTypes) + " weights for the vector unit");
        if (inMemory) {
            done.add("copied " + ByteSize.binary(copy) + " of " + String.join("/", c.copiedTypes) + " weights from the mapped file into memory"
                    + (c.columnBytes > 0 ? " (" + ByteSize.binary(c.columnBytes) + " of them stored by columns, which multiply faster)" : ""));
        }
        notes.add(String.join(" and ", done) + String.format(Locale.ROOT, " in %.1f s", (System.nanoTime() - start) / 1e9));
        return new Prepared(prepared, Optional.of(String.join("; ", notes)), c.bundledLayers > 0 ? bundles : null);
    }

    /**
     * Has every F16 tensor the forward pass multiplies searched for infinities and NaNs now, with the pool's threads
     * ({@link F16Tensor#findSpecialValues}), rather than on one thread in the first token.
     */
    private static void findSpecialValues(ModelWeights w, ComputePool pool) {
        rebuild(w, new Converter(t -> {
            if (t instanceof F16Tensor halves) halves.findSpecialValues(pool);
            return t;
        }));
    }

    /** Left free beside the copied weights for everything else the system runs. */
    private static final long COPY_MARGIN = 1L << 30;

    /**
     * Memory the system can still give this process, reclaimable page cache (such as the model file's own) included:
     * Linux's {@code MemAvailable}, elsewhere the free memory the JVM reports, 0 when neither is known.
     */
    static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the JVM
        }
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) return os.getFreeMemorySize();
        } catch (LinkageError e) {
            // a runtime image without jdk.management
        }
        return 0;
    }

    private static String moreHeap(long needed) {
        long gib = ((HeapRoom.used() + needed) >> 30) + 2;
        return String.format(Locale.ROOT, "give the JVM more heap (./bamboo: BAMBOO_HEAP=%dg; java: -Xmx%dg) or use a smaller -c", gib, gib);
    }

    /**
     * {@code w} with every matrix the forward pass multiplies passed through {@code c}: through {@link Converter#whole}
     * those it only multiplies whole (attention, an untied output, predictors, the FFN of a model that has no sparse
     * mode), through {@link Converter#of} those whose rows sparse FFNs gather or accumulate ({@code ffn_down_t}); the
     * token embedding is only read row by row and is kept unless it doubles as the output matrix (which then stays
     * row-major for it).
     */
    private static ModelWeights rebuild(ModelWeights w, Converter c) {
        // only ReLU-family FFNs run sparse; the others' gate, up and down are multiplied whole
        UnaryOperator<Tensor> ffn = w.config().ffn().reluFamily() ? c::of : c::whole;
        List<LayerWeights> layers = w.layers().stream().map(l -> new LayerWeights(l.attnNorm(), c.whole(l.wq()), c.whole(l.wk()),
                c.whole(l.wv()), c.whole(l.wo()), l.ffnNorm(), ffn.apply(l.ffnGate()), ffn.apply(l.ffnUp()), ffn.apply(l.ffnDown()),
                c.of(l.ffnDownT()))).toList();
        boolean tied = w.tokenEmbedding() == w.output();
        Tensor output = tied ? c.of(w.output()) : c.whole(w.output());
        Tensor embedding = tied ? output : w.tokenEmbedding();
        Optional<PredictorWeights> predictor = w.predictor().map(p -> new PredictorWeights(
                p.layers().stream().map(l -> new PredictorLayer(c.whole(l.fc1()), c.whole(l.fc2()))).toList(), p.threshold(), p.source()));
        return new ModelWeights(w.config(), embedding, layers, w.outputNorm(), output, predictor);
    }

    /** A rebuild that converts nothing and only counts what {@link #prepare} could repack or copy. */
    private static Converter counter(ModelWeights w) {
        Converter counter = new Converter(t -> t);
        rebuild(w, counter);
        return counter;
    }

    /**
     * Converts tensors once each (however many places share one) and counts the bytes of those it could repack or
     * copy, and the types of those it did copy.
     */
    private static final class Converter {
        private final UnaryOperator<Tensor> convert;
        private final UnaryOperator<Tensor> convertWhole;
        private final Map<Tensor, Tensor> converted = new IdentityHashMap<>();
        private long repackedBytes;
        /** The heap {@link #repackedBytes} take, arrays rounded as the collector lays them out ({@link HeapRoom#array}). */
        private long repackedHeap;
        private long mappedBytes;
        private long repackedMappedBytes;
        private final Set<String> copiedTypes = new TreeSet<>();
        /** Bytes of the matrices made {@link F16ColumnsTensor}s. */
        private long columnBytes;
        /** Layers whose FFN matrices {@link #bundle} packed as neuron bundles. */
        private int bundledLayers;
        private final Set<String> packedTypes = new TreeSet<>();

        Converter(UnaryOperator<Tensor> convert) {
            this(convert, convert);
        }

        /** {@code convertWhole} for the matrices only ever multiplied whole, {@code convert} for the others. */
        Converter(UnaryOperator<Tensor> convert, UnaryOperator<Tensor> convertWhole) {
            this.convert = convert;
            this.convertWhole = convertWhole;
        }

        Tensor of(Tensor t) {
            return convert(t, convert);
        }

        /** {@link #of} for a matrix whose rows nothing reads one by one: its layout is free. */
        Tensor whole(Tensor t) {
            return convert(t, convertWhole);
        }

        private Tensor convert(Tensor t, UnaryOperator<Tensor> convert) {
            if (t == null) return null;
            Tensor done = converted.get(t);
            return done != null ? done : record(t, convert.apply(t));
        }

        /**
         * Converts now every tensor {@link #rebuild} will ask for, several at a time on {@code pool}'s threads ({@link
         * ComputePool#forEach}), so that {@link #rebuild} finds them converted.
         */
        void convertAll(ModelWeights w, ComputePool pool) {
            // the tensors rebuild asks for, each with the conversion of its first request (as in convert)
            Map<Tensor, UnaryOperator<Tensor>> conversions = new IdentityHashMap<>();
            List<Tensor> tensors = new ArrayList<>();
            Function<UnaryOperator<Tensor>, UnaryOperator<Tensor>> lister = conversion -> t -> {
                if (!converted.containsKey(t) && conversions.putIfAbsent(t, conversion) == null) tensors.add(t);
                return t;
            };
            rebuild(w, new Converter(lister.apply(convert), lister.apply(convertWhole)));
            // the largest first, so that no thread is left with a large one at the end while the others wait
            tensors.sort(Comparator.comparingLong((Tensor t) -> t.rows() * t.rowBytes()).reversed());
            Tensor[] results = new Tensor[tensors.size()];
            pool.forEach(results.length, k -> results[k] = conversions.get(tensors.get(k)).apply(tensors.get(k)));
            for (int k = 0; k < results.length; k++) record(tensors.get(k), results[k]);
        }

        /**
         * Packs the FFN matrices of each layer of {@code w} that has bundleable ones ({@link Q4_0NeuronBundles#bundleable}:
         * the file's Q4_0) as neuron bundles, several layers at a time on {@code pool}'s threads, and keeps the bundles'
         * parts as the matrices' conversions. Returns the bundles per layer, null for layers without.
         */
        Q4_0NeuronBundles[] bundle(ModelWeights w, ComputePool pool) {
            List<LayerWeights> layers = w.layers();
            Q4_0NeuronBundles[] made = new Q4_0NeuronBundles[layers.size()];
            pool.forEach(layers.size(), l -> {
                LayerWeights layer = layers.get(l);
                if (Q4_0NeuronBundles.bundleable(layer.ffnGate(), layer.ffnUp(), layer.ffnDownT())) {
                    made[l] = Q4_0NeuronBundles.of(layer.ffnGate(), layer.ffnUp(), layer.ffnDownT(), pool);
                }
            });
            for (int l = 0; l < made.length; l++) {
                if (made[l] == null) continue;
                LayerWeights layer = layers.get(l);
                record(layer.ffnGate(), made[l].part(Q4_0NeuronBundles.Part.GATE));
                record(layer.ffnUp(), made[l].part(Q4_0NeuronBundles.Part.UP));
                record(layer.ffnDownT(), made[l].part(Q4_0NeuronBundles.Part.DOWN));
                bundledLayers++;
            }
            return made;
        }

        /** Keeps {@code result} as the conversion of {@code original} and counts its bytes. */
        private Tensor record(Tensor original, Tensor result) {
            long bytes = original.rows() * original.rowBytes();
            boolean packs = Tensors.packsForCpu(original), mapped = Tensors.mapped(original);
            if (packs) {
                repackedBytes += Tensors.packedBytes(original);
                for (long array : Tensors.packedArrays(original)) repackedHeap += HeapRoom.array(array);
                packedTypes.add(original.type().name());
            }
            if (mapped) mappedBytes += bytes;
            if (packs && mapped) repackedMappedBytes += bytes;
            if (mapped && result != original && !Tensors.packed(result)) copiedTypes.add(original.type().name());
            if (result instanceof F16ColumnsTensor) columnBytes += bytes;
            converted.put(original, result);
            return result;
        }
    }
}
