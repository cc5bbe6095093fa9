package dev.bamboo.runtime.sampling;

import dev.bamboo.weights.BambooException;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    static float[] logits(long seed, int n) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) r.nextGaussian() * 3;
        return l;
    }

    /**
     * The candidate order (descending logit, ties by lower id) against a plain sort with a comparator: with ties,
     * -0 and +0, infinities, for every top-k.
     */
    @Test
    void candidatesAreTheBestTokensInOrder() {
        Random r = new Random(11);
        for (int round = 0; round < 200; round++) {
            int n = 1 + r.nextInt(300);
            float[] l = new float[n];
            float[] pool = {0f, -0f, 1.5f, -1.5f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE};
            for (int i = 0; i < n; i++) l[i] = r.nextInt(3) == 0 ? pool[r.nextInt(pool.length)] : (float) r.nextGaussian();
            Integer[] ids = new Integer[n];
            for (int i = 0; i < n; i++) ids[i] = i;
            java.util.Arrays.sort(ids, (a, b) -> Float.compare(l[b], l[a]) != 0 ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
            int[] expected = java.util.Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
            for (int k : new int[] {0, 1, 2, 40, n - 1, n, n + 5}) {
                int take = k <= 0 || k >= n ? n : k;
                assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(expected, take)),
                        java.util.Arrays.toString(Sampler.candidates(l, k)), "n " + n + ", top-k " + k);
            }
        }
    }

    static int[] draw(SamplingOptions o, int count) {
        Sampler s = new Sampler(o);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = s.sample(logits(i, 1000), new int[0], 0);
        return out;
    }

    @Test
    void greedyIsArgmaxAndTopKOneIsGreedy() {
        float[] l = logits(7, 1000);
        int best = Sampler.argmax(l);
        assertEquals(best, new Sampler(SamplingOptions.greedy()).sample(l.clone(), new int[0], 0));
        SamplingOptions topOne = new SamplingOptions(1.0f, 1, 1.0f, 0f, 1f, 64, 42);
        assertEquals(best, new Sampler(topOne).sample(l.clone(), new int[0], 0));
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        SamplingOptions a = new SamplingOptions(1.0f, 0, 1.0f, 0f, 1f, 64, 1234);
        SamplingOptions b = new SamplingOptions(1.0f, 0, 1.0f, 0f, 1f, 64, 4321);
        assertEquals(java.util.Arrays.toString(draw(a, 50)), java.util.Arrays.toString(draw(a, 50)));
        assertNotEquals(java.util.Arrays.toString(draw(a, 50)), java.util.Arrays.toString(draw(b, 50)));
    }

    @Test
    void topKAndMinPRestrictTheCandidates() {
        float[] l = logits(3, 1000);
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < l.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Float.compare(l[y], l[x]));
        Set<Integer> top5 = new HashSet<>(java.util.Arrays.asList(order).subList(0, 5));
        Sampler s = new Sampler(new SamplingOptions(2.0f, 5, 1.0f, 0f, 1f, 64, 9));
        for (int i = 0; i < 300; i++) assertTrue(top5.contains(s.sample(l.clone(), new int[0], 0)));
        // min-p 0.999: only tokens within a hair of the best survive, i.e. the best one
        Sampler m = new Sampler(new SamplingOptions(5.0f, 0, 1.0f, 0.999f, 1f, 64, 9));
        for (int i = 0; i < 50; i++) assertEquals(order[0], m.sample(l.clone(), new int[0], 0));
        // min-p 1, as llama.cpp takes it: the best alone
        Sampler one = new Sampler(new SamplingOptions(5.0f, 0, 1.0f, 1f, 1f, 64, 9));
        for (int i = 0; i < 50; i++) assertEquals(order[0], one.sample(l.clone(), new int[0], 0));
    }

    @Test
    void repeatPenaltyMovesAwayFromRecentTokens() {
        float[] l = new float[] {5f, 4.9f, 1f};
        int[] history = {0};
        assertEquals(0, new Sampler(SamplingOptions.greedy()).sample(l.clone(), history, 1));
        SamplingOptions penalised = new SamplingOptions(0f, 40, 0.95f, 0.05f, 1.5f, 64, 1);
        assertEquals(1, new Sampler(penalised).sample(l.clone(), history, 1));
    }

    @Test
    void llamaCppsSpecialValuesAreAccepted() {
        // top-k 0 or less keeps every token; top-p 0 keeps only the most likely one, whatever the temperature
        assertEquals(0, new SamplingOptions(0.8f, -1, 0.95f, 0.05f, 1f, 64, 1).topK());
        SamplingOptions topP0 = new SamplingOptions(5f, 0, 0f, 0f, 1f, 64, 7);
        Sampler s = new Sampler(topP0);
        for (int i = 0; i < 20; i++) assertEquals(1, s.sample(new float[] {1f, 1.2f, 1.1f, 0.9f}, new int[0], 0));
    }

    /**
     * Cases where llama.cpp's chain (src/llama-sampling.cpp) decides by a hair, found by comparing the two: top-p 1 is
     * off (a running sum that rounds to 1 must not cut the far tail, which a high temperature makes likely), and min-p
     * keeps a token exactly at max + log(min_p).
     */
    @Test
    void thresholdsAsLlamaCppDrawsThem() {
        // tokens 40 and 45 nats below the best: at temperature 100 all three are about equally likely
        Sampler off = new Sampler(new SamplingOptions(100f, 0, 1f, 0f, 1f, 64, 3));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) seen.add(off.sample(new float[] {0f, -40f, -45f}, new int[0], 0));
        assertEquals(Set.of(0, 1, 2), seen);
        // min-p 0.25: a token exactly log(0.25) below the best stays
        float edge = (float) Math.log(0.25f);
        Sampler minP = new Sampler(new SamplingOptions(1f, 0, 1f, 0.25f, 1f, 64, 5));
        seen.clear();
        for (int i = 0; i < 400; i++) seen.add(minP.sample(new float[] {0f, edge, -1f - 1e-3f + edge}, new int[0], 0));
        assertEquals(Set.of(0, 1), seen);
        // top-p: the token that brings the sum to p is the last one kept
        Sampler topP = new Sampler(new SamplingOptions(1f, 0, 0.5f, 0f, 1f, 64, 5));
        seen.clear();
        for (int i = 0; i < 400; i++) seen.add(topP.sample(new float[] {0f, 0f, 0f, 0f}, new int[0], 0));
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void outOfRangeOptionsAreRefused() {
        assertThrows(BambooException.class, () -> new SamplingOptions(0.8f, 40, -0.1f, 0.05f, 1f, 64, 1));
        assertThrows(BambooException.class, () -> new SamplingOptions(0.8f, 40, 1.01f, 0.05f, 1f, 64, 1));
        assertThrows(BambooException.class, () -> new SamplingOptions(0.8f, 40, 0.95f, 1.5f, 1f, 64, 1));
        assertThrows(BambooException.class, () -> new SamplingOptions(0.8f, 40, 0.95f, 0.05f, 0f, 64, 1));
    }

    /** As llama.cpp's greedy sampler: of tied maxima the lowest id. */
    @Test
    void greedyTiesGoToTheLowestId() {
        assertEquals(1, Sampler.argmax(new float[] {0f, 2f, 2f}));
        assertEquals(0, Sampler.argmax(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}));
        assertEquals(1, new Sampler(SamplingOptions.greedy()).sample(new float[] {0f, 2f, 2f}, new int[0], 0));
    }

    /** Only -1 asks for a random seed: 0 is a seed like any other, and repeats its text. */
    @Test
    void seedZeroIsASeed() {
        SamplingOptions zero = new SamplingOptions(1.0f, 0, 1.0f, 0f, 1f, 64, 0);
        assertEquals(0, new Sampler(zero).seed());
        assertEquals(java.util.Arrays.toString(draw(zero, 50)), java.util.Arrays.toString(draw(zero, 50)));
    }
}
