package dev.bamboo.weights.model;

/**
 * How a layer's FFN combines its gate and up projections: {@code down(act(gate·x, up·x))}.
 * The ReLU family ({@link ReGLU}, {@link DReLU}, {@link FatReLU}) leaves a neuron exactly zero whenever its gate
 * is not positive (FATReLU: below its threshold), which is what sparse execution exploits.
 *
 * <p>A NaN gate is not cut off and gives a NaN neuron, as PyTorch's {@code relu(nan)} does: corrupt weights then show in
 * the logits ({@code FiniteLogits}) instead of silently dropping neurons.
 */
public sealed interface FfnKind {

    /** The neuron's value from its gate and up projections. */
    float combine(float gate, float up);

    /** True when a neuron whose gate is at or below {@link #gateCutoff()} is exactly zero. */
    boolean reluFamily();

    /** Gate values {@code <= cutoff} give an exactly zero neuron (ReLU family only). */
    default float gateCutoff() {
        return 0f;
    }

    /** True when a neuron with this gate is exactly zero whatever its up projection: its up row need not be read. */
    default boolean cutsOff(float gate) {
        return reluFamily() && gate <= gateCutoff();
    }

    /**
     * True when a neuron whose gate passes is still exactly zero where its up projection is not positive (dReLU): a
     * sparse FFN then accumulates the down rows of fewer neurons than it computes up rows for.
     */
    default boolean cutsUp() {
        return false;
    }

    /** Short name, as in Hugging Face's {@code hidden_act} plus "drelu". */
    String label();

    /** {@code silu(gate) · up}: Llama, Mistral. */
    record SwiGLU() implements FfnKind {
        public float combine(float gate, float up) {
            return gate / (1f + (float) Math.exp(-gate)) * up;
        }
        public boolean reluFamily() { return false; }
        public String label() { return "silu"; }
    }

    /** {@code relu(gate) · up}: ReluLLaMA, PowerInfer {@code llama} files. */
    record ReGLU() implements FfnKind {
        public float combine(float gate, float up) {
            return gate <= 0f ? 0f : gate * up;
        }
        public boolean reluFamily() { return true; }
        public String label() { return "relu"; }
    }

    /** {@code relu(gate) · relu(up)}: Bamboo, TurboSparse. */
    record DReLU() implements FfnKind {
        public float combine(float gate, float up) {
            return gate <= 0f || up <= 0f ? 0f : gate * up;
        }
        public boolean reluFamily() { return true; }
        public boolean cutsUp() { return true; }
        public String label() { return "drelu"; }
    }

    /**
     * {@code fatrelu(gate) · up}: ProSparse; gate values below {@code threshold} become zero and the others pass as
     * they are, so a negative threshold keeps small negative gates (as the threshold activation of vLLM's MiniCPM
     * does, except that a gate equal to the threshold passes here: "below" is strict).
     */
    record FatReLU(float threshold) implements FfnKind {
        public float combine(float gate, float up) {
            return gate < threshold ? 0f : gate * up;
        }
        public boolean reluFamily() { return true; }
        public float gateCutoff() {
            // a gate below the threshold is zero; at threshold 0 a zero gate gives a zero neuron too
            return threshold == 0f ? 0f : Math.nextDown(threshold);
        }
        public String label() { return "fatrelu(" + threshold + ")"; }
    }
}
