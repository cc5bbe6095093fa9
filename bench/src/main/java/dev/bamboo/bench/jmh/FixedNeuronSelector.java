package dev.bamboo.bench.jmh;

import dev.bamboo.runtime.ffn.FfnBatch;
import dev.bamboo.runtime.ffn.NeuronSelector;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Selects the same fixed, random, ascending list of neurons for every token: the sparse FFN's cost at a chosen active fraction. */
final class FixedNeuronSelector implements NeuronSelector {
    private final int[] list;

    FixedNeuronSelector(int ffn, double fraction, long seed) {
        int n = Math.max(1, (int) Math.round(ffn * fraction));
        int[] all = new int[ffn];
        for (int i = 0; i < ffn; i++) all[i] = i;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = ffn - 1; i > 0; i--) { // Fisher–Yates: a uniform random subset
            int j = random.nextInt(i + 1);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        list = Arrays.copyOf(all, n);
        Arrays.sort(list);
    }

    int size() {
        return list.length;
    }

    /** The selected neurons, ascending (a copy). */
    int[] list() {
        return list.clone();
    }

    @Override
    public boolean select(int layer, FfnBatch batch, float[][] gate, int[][] active, int[] count) {
        for (int t = 0; t < batch.count(); t++) {
            System.arraycopy(list, 0, active[t], 0, list.length);
            count[t] = list.length;
        }
        return false;
    }
}
