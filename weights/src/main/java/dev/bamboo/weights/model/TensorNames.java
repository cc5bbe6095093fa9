package dev.bamboo.weights.model;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names a file format gives the tensors of a Llama-family model: model-wide ones, and per-layer ones whose first
 * group is the layer index. Loaders refuse a file holding any other tensor: one the model does not know (a bias, a
 * scaled RoPE's frequencies, a layer too many) would otherwise be dropped without a word and the model run wrong.
 */
public record TensorNames(Set<String> modelWide, Pattern perLayer) {

    /** Whether a model of {@code layers} layers uses the tensor called {@code name}. */
    public boolean used(String name, int layers) {
        if (modelWide.contains(name)) return true;
        Matcher m = perLayer.matcher(name);
        return m.matches() && m.group(1).length() < 10 && Long.parseLong(m.group(1)) < layers;
    }
}
