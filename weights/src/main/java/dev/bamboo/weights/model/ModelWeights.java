package dev.bamboo.weights.model;

import dev.bamboo.weights.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the runtime needs to run a model, independent of the file format it came from.
 * {@code output} is the token embedding itself when the model ties them.
 */
public record ModelWeights(
        ModelConfig config,
        Tensor tokenEmbedding,
        List<LayerWeights> layers,
        Tensor outputNorm,
        Tensor output,
        Optional<PredictorWeights> predictor) {

    /**
     * The language model's tensors, each once (a tied output is the token embedding), the predictor's left out: the
     * token embedding, output norm and output, then each layer's in order. What a parameter count counts.
     */
    public List<Tensor> modelTensors() {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : new Tensor[] {tokenEmbedding, outputNorm, output}) if (t != null && seen.add(t)) out.add(t);
        for (LayerWeights l : layers) {
            for (Tensor t : new Tensor[] {l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.ffnNorm(), l.ffnGate(), l.ffnUp(), l.ffnDown(), l.ffnDownT()}) {
                if (t != null && seen.add(t)) out.add(t);
            }
        }
        return out;
    }

    /** The language model's parameters: {@link #modelTensors}' values, a tied output counted once, the predictor left out. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : modelTensors()) n += t.size();
        return n;
    }
}
