package dev.bamboo.tornado.forward;

import dev.bamboo.weights.model.ModelConfig;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The per-token device state that flows between the graphs of one forward pass. {@code token} and {@code position}
 * are the only values uploaded per step; {@code x} (the residual stream) and {@code position} are passed from
 * graph to graph on the device ({@code persistOnDevice} / {@code consumeFromDevice}); the other arrays are
 * scratch that each graph writes before it reads; {@code logits} (or {@code best}) is the only download.
 */
public record Activations(IntArray token, IntArray position, FloatArray x, FloatArray xn, FloatArray q, FloatArray k, FloatArray v,
                          FloatArray att, FloatArray proj, FloatArray gateValues, FloatArray h, FloatArray hFull, IntArray active, IntArray count,
                          IntArray allNeurons, IntArray ffnCount, FloatArray rank, FloatArray scores, FloatArray logits, IntArray best) {

    public static Activations allocate(ModelConfig c, int maxRank) {
        int dim = c.hiddenSize(), ffn = c.intermediateSize();
        IntArray allNeurons = new IntArray(ffn);
        for (int i = 0; i < ffn; i++) allNeurons.set(i, i);
        IntArray ffnCount = new IntArray(1);
        ffnCount.set(0, ffn);
        return new Activations(new IntArray(1), new IntArray(1), new FloatArray(dim), new FloatArray(dim), new FloatArray(c.qDim()),
                new FloatArray(c.kvDim()), new FloatArray(c.kvDim()), new FloatArray(c.qDim()), new FloatArray(dim), new FloatArray(ffn),
                new FloatArray(ffn), new FloatArray(ffn), new IntArray(ffn), new IntArray(1), allNeurons, ffnCount,
                new FloatArray(Math.max(1, maxRank)), new FloatArray(ffn), new FloatArray(c.vocabSize()), new IntArray(1));
    }

    /** Scratch of a layer graph: allocated (and the constant index arrays filled) on its first run. */
    public Object[] layerScratch() {
        return new Object[] {xn, q, k, v, att, proj, gateValues, h, hFull, active, count, allNeurons, ffnCount, rank, scores};
    }
}
