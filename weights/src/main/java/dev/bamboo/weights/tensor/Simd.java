package dev.bamboo.weights.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * The vector shapes the kernels use: {@code F} is the preferred float species (16 lanes with AVX-512, 8 with AVX2);
 * the byte, short and int species have as many lanes as {@code F}, so one load of raw weights widens to exactly
 * one float vector.
 */
final class Simd {
    private Simd() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    static final VectorSpecies<Short> S = L >= 4 ? ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(Math.max(64, L * 16))) : null;
    /** Byte species with {@code L} lanes; only meaningful when {@code L >= 8} (see {@link #QUANT_VECTORS}). */
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(Math.max(64, L * 8)));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Bytes and shorts with {@code 2L} lanes: pairs of {@code L}-lane runs, multiplied in 16-bit lanes. */
    static final VectorSpecies<Byte> B2 = L == 16 ? ByteVector.SPECIES_256 : ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S2 = L == 16 ? ShortVector.SPECIES_512 : ShortVector.SPECIES_256;

    /** 16 bytes: one Q4_0 block's quants, or half a Q8_0 block's. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** 16 shorts: the quants of {@link #B16} widened, multiplied in 16-bit lanes. */
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;

    /** Float-type kernels need a short species of {@code L} lanes (at least 64 bits). */
    static final boolean FLOAT_VECTORS = L >= 4 && S.length() == L;
    /** Block kernels split a 16-byte half block into whole vectors of {@code L} bytes: L must be 8 or 16. */
    static final boolean QUANT_VECTORS = (L == 8 || L == 16) && B.length() == L && B2.length() == 2 * L && S2.length() == 2 * L;

    /**
     * The {@code 2L} grouped activation quants at {@code offset} in 16-bit lanes, from {@code shorts} or, where that is
     * null, widened from {@code bytes} ({@link ActivationVector#q8Grouped}, {@link ActivationVector#q8GroupedBytes}).
     * Which array is null does not change within a product, so the JIT compiles the product's loop once per case.
     */
    static ShortVector activationPair(short[] shorts, byte[] bytes, int offset) {
        return shorts != null ? ShortVector.fromArray(S2, shorts, offset)
                : (ShortVector) ByteVector.fromArray(B2, bytes, offset).convertShape(VectorOperators.B2S, S2, 0);
    }

    /**
     * Sixteen 16-bit integer lanes as {@code L} float lanes: lane i is the sum of lanes i, i+L, ... (exact: small
     * integers). With L = 16 a plain widening.
     */
    static FloatVector shortLanesToFloats(ShortVector p) {
        IntVector v = (IntVector) p.convertShape(VectorOperators.S2I, I, 0);
        for (int part = 1; part < 16 / L; part++) v = v.add((IntVector) p.convertShape(VectorOperators.S2I, I, part));
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    // lane i -> lane i ^ k: adding a vector to its rearrangement sums lanes pairwise, the same pairs in every lane
    private static final VectorShuffle<Float> XOR8 = VectorShuffle.fromOp(F, i -> (i ^ 8) & (L - 1));
    private static final VectorShuffle<Float> XOR4 = VectorShuffle.fromOp(F, i -> (i ^ 4) & (L - 1));
    private static final VectorShuffle<Float> XOR2 = VectorShuffle.fromOp(F, i -> (i ^ 2) & (L - 1));
    private static final VectorShuffle<Float> XOR1 = VectorShuffle.fromOp(F, i -> (i ^ 1) & (L - 1));

    /**
     * The sum of a vector's lanes in a fixed tree order (lane i with lane i+L/2, and so on down). {@code
     * reduceLanes(ADD)} may add in a different order once the JIT intrinsifies it, so a thread still running
     * interpreted code could round differently from one running compiled code, and results would depend on the
     * thread count; lane-wise adds of rearranged lanes round the same everywhere, and allocate nothing.
     */
    static float sum(FloatVector v) {
        if (L > 16) {
            float[] lanes = v.toArray();
            float s = 0f;
            for (float x : lanes) s += x;
            return s;
        }
        if (L == 16) v = v.add(v.rearrange(XOR8));
        if (L >= 8) v = v.add(v.rearrange(XOR4));
        if (L >= 4) v = v.add(v.rearrange(XOR2));
        if (L >= 2) v = v.add(v.rearrange(XOR1));
        return v.lane(0);
    }
}
