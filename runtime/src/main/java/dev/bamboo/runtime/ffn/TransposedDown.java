package dev.bamboo.runtime.ffn;

import dev.bamboo.weights.model.LayerWeights;
import dev.bamboo.weights.tensor.Tensor;
import dev.bamboo.weights.tensor.Tensors;

import java.lang.foreign.Arena;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Down projections stored only as {@code ffn_down} [hidden, ffn] (Hugging Face, dense GGUF) transposed once, when the
 * sparse FFN is built, into {@code [ffn, hidden]} so that it reads one contiguous row per active neuron. Float types
 * are transposed exactly (same type, values unchanged); block-quantized rows cannot be transposed without
 * requantizing, so for those {@link #of} returns null and the sparse FFN runs the dense {@code ffn_down} product over
 * its mostly-zero activations (measured faster than a column gather: BENCHMARKS.md, "A file with only ffn_down").
 */
final class TransposedDown {
    private final Map<Tensor, Tensor> cache = new IdentityHashMap<>();
    private final Arena arena = Arena.ofAuto();
    private long bytes;

    /** Extra memory taken by transposed copies so far. */
    long bytes() {
        return bytes;
    }

    /** Transposes every layer's float down projection now, so the first tokens do not pay for it. */
    void prepare(List<LayerWeights> layers) {
        for (LayerWeights w : layers) if (w.ffnDownT() == null) of(w);
    }

    synchronized Tensor of(LayerWeights w) {
        Tensor down = w.ffnDown();
        if (down.type().blockSize() != 1) return null;
        return cache.computeIfAbsent(down, this::transpose);
    }

    private Tensor transpose(Tensor down) {
        Tensor t = Tensors.transposed(down, arena);
        bytes += t.data().byteSize();
        return t;
    }
}
