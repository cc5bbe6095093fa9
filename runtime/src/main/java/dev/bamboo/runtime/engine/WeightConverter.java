package dev.bamboo.runtime.engine;

import dev.bamboo.runtime.forward.HeapRoom;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.F16ColumnsTensor;
import dev.bamboo.weights.tensor.Q4_0NeuronBundles;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@link CpuWeights}' conversions of a model's tensors: each converted once (however many places share one), with the
 * bytes of those it could repack or copy counted, and the types of those it did copy.
 */
final class WeightConverter {
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

    WeightConverter(UnaryOperator<Tensor> convert) {
        this(convert, convert);
    }

    /** {@code convertWhole} for the matrices only ever multiplied whole, {@code convert} for the others. */
    WeightConverter(UnaryOperator<Tensor> convert, UnaryOperator<Tensor> convertWhole) {
        this.convert = convert;
        this.convertWhole = convertWhole;
    }

    /** Bytes of the tensors counted that {@link Tensors#packForCpu} repacks. */
    long repackedBytes() { return repackedBytes; }

    /** The heap {@link #repackedBytes()} take. */
    long repackedHeap() { return repackedHeap; }

    /** Bytes of the tensors counted that are read from a file mapping. */
    long mappedBytes() { return mappedBytes; }

    /** Bytes of the tensors counted that are both mapped and repacked. */
    long repackedMappedBytes() { return repackedMappedBytes; }

    /** Types of the tensors copied out of the mapping. */
    Set<String> copiedTypes() { return copiedTypes; }

    /** Types of the tensors repacked. */
    Set<String> packedTypes() { return packedTypes; }

    /** Bytes of the matrices stored by columns. */
    long columnBytes() { return columnBytes; }

    /** Layers whose FFN matrices were packed as neuron bundles. */
    int bundledLayers() { return bundledLayers; }

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
        rebuild(w, new WeightConverter(lister.apply(convert), lister.apply(convertWhole)));
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
            repackedHeap += HeapRoom.arrays(Tensors.packedArrays(original));
            packedTypes.add(original.type().name());
        }
        if (mapped) mappedBytes += bytes;
        if (packs && mapped) repackedMappedBytes += bytes;
        if (mapped && result != original && !Tensors.packed(result)) copiedTypes.add(original.type().name());
        if (result instanceof F16ColumnsTensor) columnBytes += bytes;
        converted.put(original, result);
        return result;
    }

    /**
     * {@code w} with every matrix the forward pass multiplies passed through {@code c}: through {@link #whole}
     * those it only multiplies whole (attention, an untied output, predictors, the FFN of a model that has no sparse
     * mode), through {@link #of} those whose rows sparse FFNs gather or accumulate ({@code ffn_down_t}); the
     * token embedding is only read row by row and is kept unless it doubles as the output matrix (which then stays
     * row-major for it).
     */
    static ModelWeights rebuild(ModelWeights w, WeightConverter c) {
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

    /** A rebuild that converts nothing and only counts what could be repacked or copied. */
    static WeightConverter counter(ModelWeights w) {
        WeightConverter counter = new WeightConverter(t -> t);
        rebuild(w, counter);
        return counter;
    }
}
