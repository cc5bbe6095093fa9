package dev.bamboo.runtime.engine;

import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A model's weights in the layout the CPU kernels run fastest ({@link Tensors#packForCpu}: Q4_0 repacked for the
 * vector unit), made on first use and shared by every CPU engine of the model. Every matrix the forward pass
 * multiplies is converted; the token embedding is only read row by row and stays as it is unless it doubles as the
 * output matrix.
 */
public final class CpuWeights {
    private final ModelWeights original;
    private Prepared prepared;

    public CpuWeights(ModelWeights original) {
        this.original = original;
    }

    /** The converted weights and, when anything was repacked (or could not be), a note for the user. */
    record Prepared(ModelWeights weights, Optional<String> note) {}

    /** True when these are the CPU form of {@code weights}. */
    boolean of(ModelWeights weights) {
        return original == weights;
    }

    /**
     * The CPU form of the weights, converted now with {@code pool}'s threads if no engine has needed them yet, when the
     * heap holds them plus {@code reserve} bytes the engine will allocate next.
     */
    synchronized Prepared prepared(ComputePool pool, long reserve) {
        if (prepared == null) prepared = prepare(original, pool, reserve);
        return prepared;
    }

    private static Prepared prepare(ModelWeights w, ComputePool pool, long reserve) {
        long start = System.nanoTime();
        long needed = packableBytes(w) + reserve;
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (needed > free - (256L << 20)) {
            System.gc(); // once, at load: count only live data
            free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        }
        if (needed > reserve && needed > free - (256L << 20)) {
            return new Prepared(w, Optional.of(String.format(Locale.ROOT, "Q4_0 weights run in their file layout, about 1.5x slower: "
                    + "repacking them needs %.1f GiB of Java heap with the KV cache and %.1f GiB is free; give the JVM more heap (./bamboo: BAMBOO_HEAP=%dg; java: -Xmx) or use a smaller -c",
                    needed / (double) (1L << 30), free / (double) (1L << 30), ((rt.totalMemory() - rt.freeMemory() + needed) >> 30) + 2)));
        }
        Converter c = new Converter(t -> Tensors.packForCpu(t, pool));
        ModelWeights prepared = rebuild(w, c);
        Optional<String> note = c.repackedBytes == 0 ? Optional.empty() : Optional.of(String.format(Locale.ROOT,
                "repacked %.2f GiB of Q4_0 weights for the vector unit in %.1f s",
                c.repackedBytes / (double) (1L << 30), (System.nanoTime() - start) / 1e9));
        return new Prepared(prepared, note);
    }

    /**
     * {@code w} with every matrix the forward pass multiplies passed through {@code c}; the token embedding is only read
     * row by row and is kept unless it doubles as the output matrix.
     */
    private static ModelWeights rebuild(ModelWeights w, Converter c) {
        List<LayerWeights> layers = w.layers().stream().map(l -> new LayerWeights(l.attnNorm(), c.of(l.wq()), c.of(l.wk()),
                c.of(l.wv()), c.of(l.wo()), l.ffnNorm(), c.of(l.ffnGate()), c.of(l.ffnUp()), c.of(l.ffnDown()),
                c.of(l.ffnDownT()))).toList();
        Tensor output = c.of(w.output());
        Tensor embedding = w.tokenEmbedding() == w.output() ? output : w.tokenEmbedding();
        Optional<PredictorWeights> predictor = w.predictor().map(p -> new PredictorWeights(
                p.layers().stream().map(l -> new PredictorLayer(c.of(l.fc1()), c.of(l.fc2()))).toList(), p.threshold(), p.source()));
        return new ModelWeights(w.config(), embedding, layers, w.outputNorm(), output, predictor);
    }

    /** Bytes {@link Tensors#packForCpu} would copy to the heap for this model: a rebuild that only counts. */
    private static long packableBytes(ModelWeights w) {
        Converter counter = new Converter(t -> t);
        rebuild(w, counter);
        return counter.repackedBytes;
    }

    /** Converts tensors once each (however many places share one) and counts the bytes of those it repacks. */
    private static final class Converter {
        private final UnaryOperator<Tensor> convert;
        private final Map<Tensor, Tensor> converted = new IdentityHashMap<>();
        private long repackedBytes;

        Converter(UnaryOperator<Tensor> convert) {
            this.convert = convert;
        }

        Tensor of(Tensor t) {
            if (t == null) return null;
            return converted.computeIfAbsent(t, original -> {
                if (Tensors.packsForCpu(original)) repackedBytes += original.rows() * original.rowBytes();
                return convert.apply(original);
            });
        }
    }
}
