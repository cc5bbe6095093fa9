package dev.bamboo.tornado.kernels.sparse;

import dev.bamboo.weights.model.FfnKind;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * {@link FfnKind#combine} for kernels: the FFN kind travels as an int code (kernels take no objects), the
 * FATReLU threshold as a float.
 */
public final class FfnActivation {
    private FfnActivation() {}

    public static final int SWIGLU = 0;
    public static final int REGLU = 1;
    public static final int DRELU = 2;
    public static final int FATRELU = 3;

    /** The kernel code of {@code kind}. */
    public static int code(FfnKind kind) {
        return switch (kind) {
            case FfnKind.SwiGLU s -> SWIGLU;
            case FfnKind.ReGLU r -> REGLU;
            case FfnKind.DReLU d -> DRELU;
            case FfnKind.FatReLU f -> FATRELU;
        };
    }

    /** The FATReLU threshold of {@code kind}, 0 for the other kinds. */
    public static float threshold(FfnKind kind) {
        return kind instanceof FfnKind.FatReLU f ? f.threshold() : 0f;
    }

    /** The neuron's value from its gate and up projections (inlined into kernels); a NaN gate gives NaN, as on the CPU. */
    public static float combine(int kind, float gate, float up, float fatThreshold) {
        float value;
        if (kind == SWIGLU) {
            value = gate / (1f + TornadoMath.exp(-gate)) * up;
        } else if (kind == REGLU) {
            value = gate <= 0f ? 0f : gate * up;
        } else if (kind == DRELU) {
            value = gate <= 0f || up <= 0f ? 0f : gate * up;
        } else {
            value = gate < fatThreshold ? 0f : gate * up;
        }
        return value;
    }
}
