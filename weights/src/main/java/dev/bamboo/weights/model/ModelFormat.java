package dev.bamboo.weights.model;

/** Where a model's weights came from. */
public enum ModelFormat {
    HUGGING_FACE("Hugging Face safetensors"),
    GGUF("GGUF"),
    POWERINFER_GGUF("PowerInfer GGUF (PWRI)");

    private final String label;

    ModelFormat(String label) { this.label = label; }

    public String label() { return label; }
}
