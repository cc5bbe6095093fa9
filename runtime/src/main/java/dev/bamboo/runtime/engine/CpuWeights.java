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
        Converter c = new Converter(pool);
        List<LayerWeights> layers = w.layers().stream().map(l -> new LayerWeights(l.attnNorm(), c.of(l.wq()), c.of(l.wk()),
                c.of(l.wv()), c.of(l.wo()), l.ffnNorm(), c.of(l.ffnGate()), c.of(l.ffnUp()), c.of(l.ffnDown()),
                c.of(l.ffnDownT()))).toList();
        Tensor output = c.of(w.output());
        Tensor embedding = w.tokenEmbedding() == w.output() ? output : w.tokenEmbedding();
        Optional<PredictorWeights> predictor = w.predictor().map(p -> new PredictorWeights(
                p.layers().stream().map(l -> new PredictorLayer(c.of(l.fc1()), c.of(l.fc2()))).toList(), p.threshold(), p.source()));
        ModelWeights prepared = new ModelWeights(w.config(), embedding, layers, w.outputNorm(), output, predictor);
        Optional<String> note = c.repackedBytes == 0 ? Optional.empty() : Optional.of(String.format(Locale.ROOT,
                "repacked %.2f GiB of Q4_0 weights for the vector unit in %.1f s",
                c.repackedBytes / (double) (1L << 30), (System.nanoTime() - start) / 1e9));
        return new Prepared(prepared, note);
    }

    /** Bytes {@link Tensors#packForCpu} would copy to the heap for this model. */
    private static long packableBytes(ModelWeights w) {
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        java.util.stream.Stream<Tensor> all = java.util.stream.Stream.concat(
                w.layers().stream().flatMap(l -> java.util.stream.Stream.of(l.wq(), l.wk(), l.wv(), l.wo(), l.ffnGate(), l.ffnUp(), l.ffnDown(), l.ffnDownT())),
                java.util.stream.Stream.concat(java.util.stream.Stream.of(w.output()),
                        w.predictor().stream().flatMap(p -> p.layers().stream()).flatMap(l -> java.util.stream.Stream.of(l.fc1(), l.fc2()))));
        return all.filter(t -> t != null && seen.put(t, Boolean.TRUE) == null && Tensors.packsForCpu(t))
                .mapToLong(t -> t.rows() * t.rowBytes()).sum();
    }

    /** Converts tensors once each: one converted copy however many places share a tensor. */
    private static final class Converter {
        private final ComputePool pool;
        private final Map<Tensor, Tensor> converted = new IdentityHashMap<>();
        private long repackedBytes;

        Converter(ComputePool pool) {
            this.pool = pool;
        }

        Tensor of(Tensor t) {
            if (t == null) return null;
            return converted.computeIfAbsent(t, original -> {
                Tensor cpu = Tensors.packForCpu(original, pool);
                if (cpu != original) repackedBytes += original.rows() * original.rowBytes();
                return cpu;
            });
        }
    }
}
