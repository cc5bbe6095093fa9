package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.ffn.SparseFeedForward;
import dev.bamboo.runtime.forward.HeapRoom;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.weights.io.ByteSize;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.F16Tensor;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles.Part;
import dev.bamboo.weights.tensor.Q4_0PackedTensor;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

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
 * product reads the bundles' parts as tensors, with the same results. The parts multiply whole 2–3.5× slower than
 * matrices (see {@link Q4_0PackedTensor}), so an engine gets copies with rows of their own of those it multiplies whole
 * (dense: gate and up; exact: the gate), where the heap has room. Exact engines that read bundles (ReGLU, FATReLU) lay
 * the FFN out the same way when first. An engine made first that reads no bundles keeps the matrices, and a sparse
 * engine then copies bundles beside them ({@link #neuronBundles}).
 */
public final class CpuWeights implements AutoCloseable {
    private final ModelWeights original;
    /** Holds the copied weights; closed with the model. */
    private final Arena memory = Arena.ofShared();
    private Prepared prepared;
    /** Per set of FFN matrices an engine multiplies whole, {@link #prepared} with those as copies of their own. */
    private final Map<Set<Part>, Prepared> byWholeMatrices = new HashMap<>();
    /** Bundle parts copied into matrices with rows of their own ({@link #withOwnRows}), and their copies. */
    private final Map<Tensor, Tensor> ownRows = new IdentityHashMap<>();
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

    /**
     * The weights in the form a dense engine runs them, for a forward pass of the caller's own (predictor training's
     * recording): made now with {@code pool}'s threads unless an engine made them, leaving room for {@code reserve}
     * bytes of heap; what was done, or could not be, goes to {@code notes}.
     */
    public ModelWeights denseForm(ComputePool pool, long reserve, Consumer<String> notes) {
        Prepared p = prepared(pool, reserve);
        p.note().ifPresent(notes);
        return p.weights();
    }

    /** {@link #prepared(ComputePool, long, boolean, Set)} for an engine that multiplies the FFN's gate and up whole. */
    synchronized Prepared prepared(ComputePool pool, long reserve) {
        return prepared(pool, reserve, false, EnumSet.of(Part.GATE, Part.UP));
    }

    /**
     * The CPU form of the weights, converted now with {@code pool}'s threads if no engine has needed them yet, leaving
     * room for the {@code reserve} bytes of heap the engine will allocate next; with {@code neuronBundles} (an engine
     * that reads the FFN by neurons) the FFN matrices are packed as neuron bundles where they can be. Where the weights
     * hold bundle parts, the FFN matrices the engine multiplies whole ({@code whole}) are copies with rows of their
     * own, where the heap has room for them.
     */
    synchronized Prepared prepared(ComputePool pool, long reserve, boolean neuronBundles, Set<Part> whole) {
        if (prepared == null) {
            prepared = prepare(original, pool, reserve, memory, neuronBundles);
            findSpecialValues(prepared.weights(), pool);
        }
        if (prepared.bundles() == null || whole.isEmpty()) return prepared;
        Prepared made = byWholeMatrices.get(whole);
        if (made == null) byWholeMatrices.put(EnumSet.copyOf(whole), made = withOwnRows(whole, pool, reserve));
        return made;
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
     * The prepared weights with the bundle parts of the FFN matrices {@code whole} replaced by copies with rows of their
     * own ({@link Q4_0PackedTensor#withOwnRows}; made once, as far as the heap has room for them and still {@code
     * reserve} bytes more), and a note that says what was copied, or could not be.
     */
    private Prepared withOwnRows(Set<Part> whole, ComputePool pool, long reserve) {
        // in layer order, so that a heap with room for only some copies gives them to the same matrices every time
        Set<Tensor> parts = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Q4_0PackedTensor> ordered = new ArrayList<>();
        List<LayerWeights> layers = prepared.weights().layers();
        for (int l = 0; l < layers.size(); l++) {
            for (Part part : whole) {
                Tensor t = switch (part) {
                    case GATE -> layers.get(l).ffnGate();
                    case UP -> layers.get(l).ffnUp();
                    case DOWN -> layers.get(l).ffnDownT();
                };
                if (prepared.bundles()[l] != null && prepared.bundles()[l].holds(t) && parts.add(t)) ordered.add((Q4_0PackedTensor) t);
            }
        }
        List<Q4_0PackedTensor> missing = ordered.stream().filter(t -> !ownRows.containsKey(t)).toList();
        long need = missing.stream().mapToLong(CpuWeights::ownRowsHeap).sum();
        long free = HeapRoom.freeAtLoad(need + reserve);
        List<Q4_0PackedTensor> chosen = new ArrayList<>();
        for (Q4_0PackedTensor part : missing) {
            if (ownRowsHeap(part) + reserve > free) continue;
            chosen.add(part);
            free -= ownRowsHeap(part);
        }
        Tensor[] copies = new Tensor[chosen.size()];
        pool.forEach(copies.length, k -> copies[k] = chosen.get(k).withOwnRows(pool));
        for (int k = 0; k < copies.length; k++) ownRows.put(chosen.get(k), copies[k]);
        ModelWeights weights = WeightConverter.rebuild(prepared.weights(), new WeightConverter(t -> parts.contains(t) ? ownRows.getOrDefault(t, t) : t));
        List<String> notes = new ArrayList<>();
        prepared.note().ifPresent(notes::add);
        if (!chosen.isEmpty()) {
            notes.add(String.format(Locale.ROOT, "copied %d FFN matrices out of the neuron bundles to multiply them whole (%s of memory)", chosen.size(),
                    ByteSize.binary(chosen.stream().mapToLong(Tensors::packedBytes).sum())));
        }
        if (chosen.size() < missing.size()) {
            notes.add(String.format(Locale.ROOT, "%d FFN matrices are multiplied whole from the neuron bundles, 2-3.5x slower: copying them "
                    + "needs more heap; %s", missing.size() - chosen.size(), moreHeap(need + reserve)));
        }
        return new Prepared(weights, notes.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", notes)));
    }

    private static long ownRowsHeap(Q4_0PackedTensor part) {
        return HeapRoom.arrays(Tensors.packedArrays(part));
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
            byWholeMatrices.clear();
            ownRows.clear();
            memory.close();
        }
    }

    /** True once {@link #close} ran: the model is gone. */
    boolean closed() {
        return closed;
    }

    private static Prepared prepare(ModelWeights w, ComputePool pool, long reserve, Arena memory, boolean neuronBundles) {
        long start = System.nanoTime();
        WeightConverter counter = WeightConverter.counter(w);
        long pack = counter.repackedHeap();
        long free = HeapRoom.freeAtLoad(pack + reserve);
        boolean repack = pack > 0 && pack + reserve <= free;
        // what stays in the file otherwise: everything mapped but what is repacked (Q4_0 or Q8_0 not repacked is copied as it is)
        long copy = counter.mappedBytes() - (repack ? counter.repackedMappedBytes() : 0);
        long available = availableMemory();
        boolean inMemory = copy > 0 && copy + reserve + (repack ? pack : 0) + COPY_MARGIN <= available;
        List<String> notes = new ArrayList<>();
        if (pack > 0 && !repack) {
            notes.add(String.format(Locale.ROOT, "%s weights run in their file layout, up to 3x slower: "
                    + "repacking them needs %s of Java heap with the KV cache and %s is free; %s",
                    String.join("/", counter.packedTypes()), ByteSize.binary(pack + reserve), ByteSize.binary(free), moreHeap(pack + reserve)));
        }
        if (copy > 0 && !inMemory) {
            notes.add(String.format(Locale.ROOT, "%s of weights are read from the mapped file, on some machines several times "
                    + "slower than from memory: copying them needs %s of memory and %s is available", ByteSize.binary(copy),
                    ByteSize.binary(copy + reserve + (repack ? pack : 0) + COPY_MARGIN), ByteSize.binary(available)));
        }
        if (!repack && !inMemory) return new Prepared(w, notes.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", notes)));
        // matrices the forward pass only multiplies whole may change layout in the copy (F16: stored by columns)
        WeightConverter c = new WeightConverter(t -> repack && Tensors.packsForCpu(t) ? Tensors.packForCpu(t, pool) : inMemory ? Tensors.inMemory(t, pool, memory) : t,
                t -> repack && Tensors.packsForCpu(t) ? Tensors.packForCpu(t, pool) : inMemory ? Tensors.columns(t, pool, memory) : t);
        Q4_0NeuronBundles[] bundles = repack && neuronBundles && w.config().ffn().reluFamily() ? c.bundle(w, pool) : null;
        c.convertAll(w, pool);
        ModelWeights prepared = WeightConverter.rebuild(w, c);
        List<String> done = new ArrayList<>();
        if (repack) done.add("repacked " + ByteSize.binary(counter.repackedBytes()) + " of " + String.join("/", counter.packedTypes()) + " weights for the vector unit");
        if (inMemory) {
            done.add("copied " + ByteSize.binary(copy) + " of " + String.join("/", c.copiedTypes()) + " weights from the mapped file into memory"
                    + (c.columnBytes() > 0 ? " (" + ByteSize.binary(c.columnBytes()) + " of them stored by columns, which multiply faster)" : ""));
        }
        notes.add(String.join(" and ", done) + String.format(Locale.ROOT, " in %.1f s", (System.nanoTime() - start) / 1e9));
        return new Prepared(prepared, Optional.of(String.join("; ", notes)), c.bundledLayers() > 0 ? bundles : null);
    }

    /**
     * Has every F16 tensor the forward pass multiplies searched for infinities and NaNs now, with the pool's threads
     * ({@link F16Tensor#findSpecialValues}), rather than on one thread in the first token.
     */
    private static void findSpecialValues(ModelWeights w, ComputePool pool) {
        WeightConverter.rebuild(w, new WeightConverter(t -> {
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
}
