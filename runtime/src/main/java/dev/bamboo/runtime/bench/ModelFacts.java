package dev.bamboo.runtime.bench;

import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.model.ModelWeights;
import dev.bamboo.weights.tensor.Tensor;

import java.util.Locale;

/**
 * What llama-bench reports about a model: file name, a type label ({@code bamboo 7B Q4_0}), bytes and parameters.
 * Parameters are those of the language model itself: the activation predictor is not counted, a tied output
 * embedding counts once.
 */
public record ModelFacts(String filename, String type, long sizeBytes, long params) {

    public static ModelFacts of(Model model) {
        ModelWeights w = model.weights();
        long params = 0;
        for (Tensor t : w.modelTensors()) params += t.size();
        String type = w.config().architecture() + " " + sizeLabel(params) + " " + w.layers().getFirst().ffnGate().type();
        return new ModelFacts(model.loaded().path().getFileName().toString(), type, model.loaded().fileBytes(), params);
    }

    /** {@code 7B}, {@code 1B}, {@code 120M}: parameters rounded as model names round them. */
    static String sizeLabel(long params) {
        if (params >= 1_000_000_000L) return Math.round(params / 1e9) + "B";
        if (params >= 1_000_000L) return Math.round(params / 1e6) + "M";
        return Math.max(1, Math.round(params / 1e3)) + "K";
    }

    /** llama-bench's size column: {@code 3.56 GiB}, {@code 12.50 MiB}. */
    public String sizeText() {
        return sizeBytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", sizeBytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.2f MiB", sizeBytes / (double) (1L << 20));
    }

    /** llama-bench's params column: {@code 7.24 B}, {@code 8.39 M}. */
    public String paramsText() {
        return params >= 1_000_000_000L ? String.format(Locale.ROOT, "%.2f B", params / 1e9)
                : String.format(Locale.ROOT, "%.2f M", params / 1e6);
    }
}
