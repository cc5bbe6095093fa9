package dev.bamboo.weights.model;

/** Which dimensions of a head RoPE rotates together. */
public enum RopeLayout {
    /** Hugging Face: dimension i pairs with i + headDim/2. */
    ROTATE_HALF,
    /** GGUF (llama.cpp converters permute q/k for this): dimension 2i pairs with 2i + 1. */
    ADJACENT_PAIRS
}
