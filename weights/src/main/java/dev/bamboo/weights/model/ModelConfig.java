package dev.bamboo.weights.model;

/**
 * The hyper-parameters of a Llama-family model, the same whichever file format it came from.
 *
 * @param architecture   {@code llama}, {@code mistral} or {@code bamboo}
 * @param slidingWindow  attention window in tokens, 0 for full causal attention
 * @param contextLength  the model's trained context ({@code max_position_embeddings} / {@code context_length})
 */
public record ModelConfig(
        String architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        float rmsNormEps,
        float ropeTheta,
        RopeLayout ropeLayout,
        int contextLength,
        int slidingWindow,
        boolean tiedEmbeddings,
        FfnKind ffn,
        int bosToken,
        int eosToken) {

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** This configuration with an output matrix of its own ({@code tiedEmbeddings} false). */
    public ModelConfig withOutputSeparate() {
        return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, rmsNormEps, ropeTheta,
                ropeLayout, contextLength, slidingWindow, false, ffn, bosToken, eosToken);
    }
}
