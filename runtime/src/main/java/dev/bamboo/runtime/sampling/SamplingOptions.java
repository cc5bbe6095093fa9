package dev.bamboo.runtime.sampling;

import dev.bamboo.weights.BambooException;

/**
 * How the next token is picked, with llama.cpp's option names and defaults. A temperature of 0 (or below) is greedy.
 *
 * @param topK the most likely tokens kept; 0 or less keeps all, as in llama.cpp (stored as 0)
 * @param topP nucleus sampling in [0, 1]: 1 keeps all, 0 only the most likely token
 * @param seed -1 for a random seed; the same seed gives the same text
 */
public record SamplingOptions(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, long seed) {

    public static SamplingOptions defaults() {
        return new SamplingOptions(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, -1);
    }

    public static SamplingOptions greedy() {
        return new SamplingOptions(0f, 40, 0.95f, 0.05f, 1.0f, 64, -1);
    }

    public SamplingOptions {
        if (!Float.isFinite(temperature) || temperature > 100) throw new BambooException("--temp " + temperature + " is out of range: use 0 (greedy; a negative value is greedy too, as in llama.cpp) to 100");
        topK = Math.max(0, topK);
        if (!(topP >= 0 && topP <= 1)) throw new BambooException("--top-p " + topP + " is out of range: use a value in [0, 1] (1 = off)");
        if (!(minP >= 0 && minP <= 1)) throw new BambooException("--min-p " + minP + " is out of range: use a value in [0, 1] (1: the most likely tokens alone)");
        if (!(repeatPenalty > 0) || !Float.isFinite(repeatPenalty)) throw new BambooException("--repeat-penalty " + repeatPenalty + " is out of range: use a positive value (1.0 = off)");
        if (repeatLastN < -1) throw new BambooException("--repeat-last-n " + repeatLastN + " is out of range: use -1 (whole context), 0 (off) or a count");
    }

    /** These options with {@code seed} instead. */
    public SamplingOptions withSeed(long seed) {
        return new SamplingOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }
}
