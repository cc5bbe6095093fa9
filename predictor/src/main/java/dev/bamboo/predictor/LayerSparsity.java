package dev.bamboo.predictor;

/**
 * One layer's activation statistics over {@code tokens} tokens, pooled over all of them (every neuron-token pair
 * weighs the same).
 *
 * @param trueActive      share of neurons that were really active (non-zero)
 * @param predictedActive share of neurons selected: the predictor's picks, or, where the neurons were chosen otherwise
 *                        (exact mode's gate-positive neurons, dense mode's all), those
 * @param recall          share of the truly active neurons selected; NaN before any active neuron was seen
 */
public record LayerSparsity(int layer, double trueActive, double predictedActive, double recall, long tokens) {

    /**
     * Share of the selected neurons that are truly active (recall × true active ÷ selected); NaN when nothing was
     * selected or the true activations were not measured, 0 when no neuron was truly active.
     */
    public double precision() {
        if (!(predictedActive > 0) || Double.isNaN(trueActive)) return Double.NaN;
        return trueActive == 0 ? 0 : recall * trueActive / predictedActive;
    }
}
