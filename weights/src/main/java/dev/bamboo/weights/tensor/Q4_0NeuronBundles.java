package dev.bamboo.weights.tensor;

import dev.bamboo.weights.parallel.ComputePool;

import java.util.Arrays;

/**
 * One FFN layer's repacked Q4_0 weights laid out by neuron: row {@code i} holds neuron {@code i}'s gate row, up row
 * and {@code ffn_down_t} row one after another (quants and block scales alike), so a sparse FFN that reads all three
 * for a neuron reads one run of ~7 KB instead of three scattered runs of ~2.3 KB (Bamboo-7B). On this project's
 * machine scattered runs read faster the longer they are: predicted decode of a Bamboo-7B-shaped Q4_0 file ran 14–24 %
 * faster with bundles (bench/HISTORY.md, Q4_0, "Fourteenth session: neuron bundles").
 *
 * <p>Made from the repacked matrices, as a copy beside them, or packed straight from the file's Q4_0 matrices, in place
 * of them: each {@link #part} is then the matrix, as a tensor whose rows are one part of the bundles. The products over
 * one part of a bundle are those of the matrices, bitwise ({@link #gate}, {@link #up}); {@link #addDown} sums its terms
 * in the integer row accumulation of {@link Q4_0PackedTensor#axpyRows}.
 */
public final class Q4_0NeuronBundles {
    /** Terms that one {@link #addDown} call quantizes together (fewer is allowed; more go in several such blocks). */
    public static final int TERMS = Q4_0PackedKernels.TERM_BLOCK;

    private final int neurons;
    private final int hidden;
    /** Groups of one part (gate, up or down) of a bundle. */
    private final int partGroups;
    private final byte[] quants;
    private final short[] scales;
    /** The tensor names of the gate, up and down parts. */
    private final String[] names;

    private Q4_0NeuronBundles(int neurons, int hidden, byte[] quants, short[] scales, String[] names) {
        this.neurons = neurons;
        this.hidden = hidden;
        this.partGroups = hidden / Q4_0PackedKernels.GROUP_VALUES;
        this.quants = quants;
        this.scales = scales;
        this.names = names;
    }

    /**
     * Whether the three matrices can be bundled (none of them null): all {@code [neurons × hidden]}, either repacked
     * Q4_0 with rows of their own, contiguous, or the file's Q4_0 that {@link Q4_0PackedTensor#packable} allows, and the
     * bundles fit in Java arrays.
     */
    public static boolean bundleable(Tensor gate, Tensor up, Tensor downT) {
        if (gate == null || up == null || downT == null) return false;
        boolean sameShape = gate.rows() == up.rows() && gate.rows() == downT.rows() && gate.cols() == up.cols() && gate.cols() == downT.cols();
        boolean packed = contiguous(gate) && contiguous(up) && contiguous(downT);
        boolean file = gate instanceof Q4_0Tensor g && Q4_0PackedTensor.packable(g) && up instanceof Q4_0Tensor && downT instanceof Q4_0Tensor;
        return sameShape && (packed || file) && 3 * gate.size() / 2 <= Integer.MAX_VALUE - 8;
    }

    private static boolean contiguous(Tensor t) {
        return t instanceof Q4_0PackedTensor q && q.blockRows() == 1 && !q.partOfRows();
    }

    /**
     * The two arrays the bundles of {@code gate}'s layer would take, as much memory as the three matrices: the quants'
     * bytes, then the scales'.
     */
    public static long[] arrays(Tensor gate) {
        return new long[] {3 * gate.size() / 2, 3 * Short.BYTES * gate.size() / Q4_0Tensor.BLOCK};
    }

    /**
     * The bundles of {@code gate}, {@code up} and {@code downT} ({@link #bundleable} ones), made on the pool: copied row
     * by row from repacked matrices, or packed from the file's.
     */
    public static Q4_0NeuronBundles of(Tensor gate, Tensor up, Tensor downT, ComputePool pool) {
        if (!bundleable(gate, up, downT)) throw new IllegalArgumentException("not bundleable: " + gate.name() + ", " + up.name() + ", " + downT.name());
        Tensor[] parts = {gate, up, downT};
        int neurons = Math.toIntExact(gate.rows()), groups = gate.cols() / Q4_0PackedKernels.GROUP_VALUES;
        long[] arrays = arrays(gate);
        byte[] quants = new byte[Math.toIntExact(arrays[0])];
        short[] scales = new short[Math.toIntExact(arrays[1] / Short.BYTES)];
        if (gate instanceof Q4_0Tensor) {
            for (int p = 0; p < 3; p++) Q4_0PackedTensor.packInto((Q4_0Tensor) parts[p], quants, scales, 3 * groups, p * groups, pool);
        } else {
            int rowQuants = groups * Q4_0PackedKernels.GROUP_QUANTS, rowScales = groups * Simd.L;
            pool.forRange(neurons, 64, (long) neurons * 3 * rowQuants, (from, to) -> {
                for (int i = from; i < to; i++) {
                    for (int p = 0; p < 3; p++) {
                        Q4_0PackedTensor t = (Q4_0PackedTensor) parts[p];
                        System.arraycopy(t.quants(), i * rowQuants, quants, (3 * i + p) * rowQuants, rowQuants);
                        System.arraycopy(t.scales(), i * rowScales, scales, (3 * i + p) * rowScales, rowScales);
                    }
                }
            });
        }
        return new Q4_0NeuronBundles(neurons, gate.cols(), quants, scales, new String[] {gate.name(), up.name(), downT.name()});
    }

    /**
     * Part {@code part} of every bundle as a matrix {@code [neurons × hidden]} over the bundles' arrays (no copy): the
     * matrix it was made from, bitwise, for every product.
     */
    public Q4_0PackedTensor part(Part part) {
        return new Q4_0PackedTensor(names[part.ordinal()], neurons, hidden, quants, scales, 1, 3 * partGroups, part.ordinal() * partGroups);
    }

    /** True when {@code t} is one of this object's {@link #part}s: its rows are these bundles. */
    public boolean holds(Tensor t) {
        return t instanceof Q4_0PackedTensor q && q.quants() == quants;
    }

    public int neurons() {
        return neurons;
    }

    public int hidden() {
        return hidden;
    }

    public long bytes() {
        return quants.length + (long) Short.BYTES * scales.length;
    }

    /** The three parts of a bundle, in their order in it. */
    public enum Part { GATE, UP, DOWN }

    /**
     * Loads every cache line of parts {@code first} to {@code last} of the listed neurons' bundles, so that the products
     * that follow read them from cache. A sparse FFN touches only the parts it will read: the up and down parts only of
     * neurons whose gate passes, and for dReLU the down parts only of neurons whose up passes too.
     */
    public void touch(Part first, Part last, int[] rows, int from, int to) {
        touchParts(rows, from, to, first.ordinal(), last.ordinal() - first.ordinal() + 1);
    }

    private void touchParts(int[] rows, int from, int to, int first, int count) {
        int partQuants = partGroups * Q4_0PackedKernels.GROUP_QUANTS, partScales = partGroups * Simd.L;
        RowTouch.keep(RowTouch.bytes(quants, rows, from, to, 3 * partQuants, first * partQuants, count * partQuants)
                + RowTouch.shorts(scales, rows, from, to, 3 * partScales, first * partScales, count * partScales));
    }

    /** {@code out[i] = gate_i · x} for {@code i = rows[k]}, {@code k} in {@code [from, to)}: the gate matrix's bits. */
    public void gate(int[] rows, int from, int to, ActivationVector x, float[] out) {
        part(Part.GATE, rows, from, to, x, out);
    }

    /** {@code out[i] = up_i · x} for the listed neurons, as {@link #gate}. */
    public void up(int[] rows, int from, int to, ActivationVector x, float[] out) {
        part(Part.UP, rows, from, to, x, out);
    }

    private void part(Part part, int[] rows, int from, int to, ActivationVector x, float[] out) {
        Q4_0PackedKernels.dotRows(quants, scales, 3 * partGroups, 1, part.ordinal() * partGroups, partGroups, rows, from,
                to, x.q8Grouped(), x.q8GroupedBytes(), x.q8Scales(), out, 0);
    }

    /** {@code sums += Σ_k coeffs[k] · down_t[rows[k]]} for {@code k < count}, in the integer row accumulation. */
    public void addDown(int[] rows, float[] coeffs, int count, DownSums sums) {
        Q4_0PackedKernels.axpyRows(quants, scales, 3 * partGroups, 1, Part.DOWN.ordinal() * partGroups, partGroups, rows,
                coeffs, count, sums.grouped, 0, sums.scratch);
    }

    /** A new, zeroed accumulator for {@link #addDown} over bundles of {@code hidden} outputs; one thread at a time. */
    public static DownSums downSums(int hidden) {
        return new DownSums(hidden);
    }

    /** Down-projection sums in the kernel's grouped lane order, with the kernel's scratch. */
    public static final class DownSums {
        private final float[] grouped;
        private final Q4_0PackedKernels.RowScratch scratch;

        private DownSums(int hidden) {
            this.grouped = new float[hidden];
            this.scratch = new Q4_0PackedKernels.RowScratch(hidden / Q4_0PackedKernels.GROUP_VALUES);
        }

        /** Zeroes the sums. */
        public void reset() {
            Arrays.fill(grouped, 0f);
        }

        /** {@code out[j] = sum j} for every output column {@code j}. */
        public void copyTo(float[] out) {
            Arrays.fill(out, 0, grouped.length, 0f);
            GroupedOrder.addGrouped(grouped, 0, out, 0, grouped.length);
        }
    }
}
