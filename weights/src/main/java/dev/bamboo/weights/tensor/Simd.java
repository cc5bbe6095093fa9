package dev.bamboo.weights.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
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

    /** Float-type kernels need a short species of {@code L} lanes (at least 64 bits). */
    static final boolean FLOAT_VECTORS = L >= 4 && S.length() == L;
    /** Block kernels split a 16-byte half block into whole vectors of {@code L} bytes: L must be 8 or 16. */
    static final boolean QUANT_VECTORS = (L == 8 || L == 16) && B.length() == L;

    /**
     * The sum of a vector's lanes, always in lane order. {@code reduceLanes(ADD)} may add in a different order once
     * the JIT intrinsifies it, so a thread still running interpreted code could round differently from one running
     * compiled code, and results would depend on the thread count.
     */
    static float sum(FloatVector v) {
        float[] lanes = v.toArray();
        float s = 0f;
        for (float x : lanes) s += x;
        return s;
    }
}
