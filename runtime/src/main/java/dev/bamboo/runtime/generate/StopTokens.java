package dev.bamboo.runtime.generate;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The token ids that end a generation: the model's end-of-sequence ids and its end-of-turn markers. A model may have
 * several (an {@code eos_token_id} list, {@code <|im_end|>} beside {@code </s>}); generation stops at any of them, and
 * {@code --ignore-eos} keeps every one from being sampled.
 */
public final class StopTokens {
    private final int[] ids;

    private StopTokens(int[] ids) {
        this.ids = ids;
    }

    /** The distinct non-negative ids of {@code ids}. */
    public static StopTokens of(int... ids) {
        return new StopTokens(IntStream.of(ids).filter(id -> id >= 0).distinct().sorted().toArray());
    }

    public boolean contains(int id) {
        return Arrays.binarySearch(ids, id) >= 0;
    }

    public int[] ids() {
        return ids.clone();
    }

    /** Sets the logit of every stop token to minus infinity, so that none is sampled. */
    public void mask(float[] logits) {
        for (int id : ids) if (id < logits.length) logits[id] = Float.NEGATIVE_INFINITY;
    }

    @Override
    public String toString() {
        return IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    }
}
