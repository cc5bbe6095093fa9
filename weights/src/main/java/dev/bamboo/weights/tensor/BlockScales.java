package dev.bamboo.weights.tensor;

import dev.bamboo.weights.BambooException;

/**
 * The f16 block scales of repacked Q4_0 weights, kept as the file stores them: the kernels widen a group's scales with
 * integer shifts ({@link F16Kernels#widenFinite}), which is exact for every finite value and wrong for infinities and
 * NaNs, so those are refused when packing. (Repacked Q8_0 keeps float scales: widening them in its kernels made its
 * prompt processing ~15 % slower, for 6 % fewer bytes.)
 */
final class BlockScales {
    private BlockScales() {}

    /** {@code scale}, the f16 scale of block {@code block} of {@code tensor}, or a one-line error if it is not finite. */
    static short finite(String tensor, int block, short scale) {
        if ((scale & 0x7C00) == 0x7C00) {
            throw new BambooException("tensor " + tensor + ": block " + block + " has an infinite or NaN scale; the file is corrupt, download or convert it again");
        }
        return scale;
    }
}
