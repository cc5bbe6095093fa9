package dev.bamboo.runtime.generate;

import dev.bamboo.weights.BambooException;

/**
 * A context of {@code context} positions for a model trained on {@code modelContext}: the one place that says what to
 * do when text does not fit, a shorter text or, while the model allows one, a larger {@code -c}.
 */
public record ContextLimit(int context, int modelContext) {

    /** Whether a larger {@code -c} could give more positions. */
    public boolean canGrow() {
        return context < modelContext;
    }

    /**
     * {@code "use SHORTER or a larger -c (up to N)"} when a larger context could hold {@code tokens}, else {@code "use
     * SHORTER (N tokens is this model's whole context)"}.
     */
    private String advice(String shorter, int tokens) {
        return "use " + shorter + (canGrow() && tokens <= modelContext ? " or a larger -c (up to " + modelContext + ")"
                : " (" + modelContext + " tokens is this model's whole context)");
    }

    /** {@code "WHAT N tokens but the context holds C; advice"}, as an error. */
    public BambooException tooLong(String what, int tokens, String shorter) {
        return new BambooException(what + " " + tokens + " tokens but the context holds " + context + "; " + advice(shorter, tokens));
    }
}
