package dev.bamboo.runtime.bench;

import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.io.ByteSize;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.model.ParameterCount;

/**
 * What llama-bench reports about a model: file name, a type label ({@code bamboo 7B Q4_0}), bytes and parameters.
 * Parameters are those of the language model itself: the activation predictor is not counted, a tied output
 * embedding counts once.
 */
public record ModelFacts(String filename, String type, long sizeBytes, long params) {

    public static ModelFacts of(Model model) {
        ModelWeights w = model.weights();
        long params = w.parameterCount();
        String type = w.config().architecture() + " " + ParameterCount.label(params) + " " + w.layers().getFirst().ffnGate().type();
        return new ModelFacts(model.loaded().path().getFileName().toString(), type, model.loaded().fileBytes(), params);
    }

    /** llama-bench's size column: {@code 3.56 GiB}, {@code 12.50 MiB}. */
    public String sizeText() {
        return ByteSize.binary(sizeBytes);
    }

    /** llama-bench's params column: {@code 7.24 B}, {@code 8.39 M}. */
    public String paramsText() {
        return ParameterCount.text(params);
    }
}
