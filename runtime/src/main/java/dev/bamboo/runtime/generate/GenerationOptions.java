package dev.bamboo.runtime.generate;

import dev.bamboo.runtime.sampling.SamplingOptions;
import dev.bamboo.weights.BambooException;

import java.util.Objects;

/**
 * @param maxTokens tokens to generate; -1 = until end of sequence or a full context (llama.cpp's -2, the same here,
 *                  is taken as -1)
 * @param ignoreEos never sample a stop token (end of sequence or of a turn): keep generating past them
 * @param addBos    start the prompt with the BOS token (when the tokenizer asks for it)
 */
public record GenerationOptions(int maxTokens, SamplingOptions sampling, boolean ignoreEos, boolean addBos) {
    public GenerationOptions {
        Objects.requireNonNull(sampling, "sampling");
        if (maxTokens == -2) maxTokens = -1;
        if (maxTokens < -1) throw new BambooException("-n " + maxTokens + " is out of range: use -1 or -2 (until the end of the text or of the context) or a count of tokens");
    }

    /** These options with {@code sampling} instead. */
    public GenerationOptions withSampling(SamplingOptions sampling) {
        return new GenerationOptions(maxTokens, sampling, ignoreEos, addBos);
    }

    public static GenerationOptions defaults() {
        return new GenerationOptions(256, SamplingOptions.defaults(), false, true);
    }
}
