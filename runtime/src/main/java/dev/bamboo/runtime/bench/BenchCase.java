package dev.bamboo.runtime.bench;

/**
 * One llama-bench test: {@code pp<n>} processes one batched prompt of {@code n} tokens (a BOS and random tokens),
 * {@code tg<n>} generates {@code n} tokens one decode step at a time after an empty context (the first step feeds BOS).
 */
public record BenchCase(Kind kind, int tokens) {
    public enum Kind { PROMPT, GENERATION }

    public BenchCase {
        if (tokens < 1) throw new IllegalArgumentException("a test needs at least one token, not " + tokens);
    }

    public static BenchCase prompt(int n) {
        return new BenchCase(Kind.PROMPT, n);
    }

    public static BenchCase generation(int n) {
        return new BenchCase(Kind.GENERATION, n);
    }

    /** llama-bench's name: pp512, tg128. */
    public String name() {
        return (kind == Kind.PROMPT ? "pp" : "tg") + tokens;
    }

    public int nPrompt() {
        return kind == Kind.PROMPT ? tokens : 0;
    }

    public int nGen() {
        return kind == Kind.GENERATION ? tokens : 0;
    }
}
