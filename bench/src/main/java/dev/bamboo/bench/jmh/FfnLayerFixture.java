package dev.bamboo.bench.jmh;

import dev.bamboo.weights.model.FfnKind;
import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.model.ModelConfig;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.RopeLayout;
import dev.bamboo.weights.tensor.GGMLType;
import dev.bamboo.weights.tensor.Quantizer;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.Tensors;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * Random one-layer models for the FFN and attention benchmarks: tensors of any writable type filled from a seeded
 * generator, wrapped in the runtime's {@link ModelWeights} so the benchmarks run the runtime's own FFN and forward pass.
 */
final class FfnLayerFixture {
    static final int BAMBOO_7B_HIDDEN = 4096, BAMBOO_7B_FFN = 14336;

    private FfnLayerFixture() {}

    /**
     * A [rows × cols] tensor of {@code type}; values uniform in (0, 1) scaled by 1/√cols — negated for rows where
     * {@code negative} holds — so the sign of {@code row · x} for a positive {@code x} is known in advance.
     */
    static Tensor tensor(String name, GGMLType type, int rows, int cols, long seed, IntPredicate negative, Arena arena) {
        long rowBytes = type.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        float[] row = new float[cols];
        byte[] encoded = new byte[Math.toIntExact(rowBytes)];
        SplittableRandom random = new SplittableRandom(seed);
        float scale = (float) (1 / Math.sqrt(cols));
        for (int r = 0; r < rows; r++) {
            float sign = negative.test(r) ? -scale : scale;
            for (int j = 0; j < cols; j++) row[j] = (float) random.nextDouble() * sign;
            Quantizer.quantizeRow(type, row, 0, cols, encoded, 0);
            MemorySegment.copy(MemorySegment.ofArray(encoded), 0, data, r * rowBytes, rowBytes);
        }
        // in the layout the CPU engine runs (Q4_0 and Q8_0 repacked at load)
        try (ComputePool pool = new ComputePool(1)) {
            return Tensors.packForCpu(Tensors.of(name, type, rows, cols, data), pool);
        }
    }

    /**
     * The layer's gate matrix: for a positive input, the gate is positive for a random {@code gatePercent}% of the
     * neurons (the same ones in every benchmark) and negative for the others.
     */
    static Tensor gate(GGMLType type, int ffn, int hidden, int gatePercent, Arena arena) {
        return tensor("ffn_gate", type, ffn, hidden, 11, negatedRows(ffn, gatePercent, 7), arena);
    }

    /** The layer's up matrix, positive for a random {@code upPercent}% of the neurons, as {@link #gate}. */
    static Tensor up(GGMLType type, int ffn, int hidden, int upPercent, Arena arena) {
        return tensor("ffn_up", type, ffn, hidden, 12, negatedRows(ffn, upPercent, 8), arena);
    }

    /** All rows but a random {@code percentKept}% of {@code rows}. */
    private static IntPredicate negatedRows(int rows, int percentKept, long seed) {
        boolean[] negated = new boolean[rows];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < rows; i++) negated[i] = random.nextInt(100) >= percentKept;
        return r -> negated[r];
    }

    static Tensor positive(String name, GGMLType type, int rows, int cols, long seed, Arena arena) {
        return tensor(name, type, rows, cols, seed, r -> false, arena);
    }

    /** A positive input vector: with positive weights every neuron of a dReLU FFN is truly active. */
    static float[] positiveInput(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextDouble() + 0.01f;
        return x;
    }

    static ModelConfig config(int hidden, int ffn, int heads, int kvHeads, int vocab, int context) {
        return new ModelConfig("bamboo", vocab, hidden, ffn, 1, heads, kvHeads, hidden / heads, 1e-5f, 10000f, RopeLayout.ADJACENT_PAIRS,
                context, 0, false, new FfnKind.DReLU(), 1, 2);
    }

    /** One layer: attention tensors of {@code attnType}, FFN tensors as given (down and/or down_t), small F32 embedding and output. */
    static ModelWeights weights(ModelConfig c, GGMLType attnType, Tensor gate, Tensor up, Tensor down, Tensor downT, Arena arena) {
        int h = c.hiddenSize();
        Tensor norm = positive("norm", GGMLType.F32, 1, h, 1, arena);
        LayerWeights layer = new LayerWeights(norm,
                positive("wq", attnType, c.qDim(), h, 2, arena),
                positive("wk", attnType, c.kvDim(), h, 3, arena),
                positive("wv", attnType, c.kvDim(), h, 4, arena),
                positive("wo", attnType, h, c.qDim(), 5, arena),
                norm, gate, up, down, downT);
        Tensor embd = positive("token_embd", GGMLType.F32, c.vocabSize(), h, 6, arena);
        Tensor out = positive("output", GGMLType.F32, c.vocabSize(), h, 7, arena);
        return new ModelWeights(c, embd, List.of(layer), norm, out, Optional.empty());
    }
}
