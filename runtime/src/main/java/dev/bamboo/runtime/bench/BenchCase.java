package dev.bamboo.runtime.bench;

/**
 * One llama-bench test: {@code pp<n>} processes one batched prompt of {@code n} tokens (a BOS and random tokens),
 * {@code tg<n>} generates {@code n} tokens one decode step at a time after an empty context (the first step feeds BOS).
 * At a {@code depth} (llama-bench's {@code -d}) the KV cache first holds that many tokens (a BOS and random tokens,
 * untimed), and the test's own tokens are then all random.
 */
public record BenchCase(Kind kind, int tokens, int depth) {
    public enum Kind { PROMPT, GENERATION }

    public BenchCase {
        if (tokens < 1) throw new IllegalArgumentException("a test needs at least one token, not " + tokens);
        if (depth < 0) throw new IllegalArgumentException("depth " + depth);
    }

    public static BenchCase prompt(int n) {
        return new BenchCase(Kind.PROMPT, n, 0);
    }

    public static BenchCase generation(int n) {
        return new BenchCase(Kind.GENERATION, n, 0);
    }

    /** The same test after {@code d} tokens in the cache. */
    public BenchCase atDepth(int d) {
        return new BenchCase(kind, tokens, d);
    }

    /** llama-bench's name: pp512, tg128, tg128 @ d4096. */
    public String name() {
        return baseName() + (depth > 0 ? " @ d" + depth : "");
    }

    /** The name without the depth: what seeds the test's own tokens, the same at every depth. */
    String baseName() {
        return (kind == Kind.PROMPT ? "pp" : "tg") + tokens;
    }

    /** Positions the test fills: its depth and its own tokens. */
    public int positions() {
        return depth + tokens;
    }

    public int nPrompt() {
        return kind == Kind.PROMPT ? tokens : 0;
    }

    public int nGen() {
        return kind == Kind.GENERATION ? tokens : 0;
    }
}
