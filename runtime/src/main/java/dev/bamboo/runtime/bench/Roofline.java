package dev.bamboo.runtime.bench;

import dev.bamboo.runtime.ffn.SparsityMode;

import dev.bamboo.weights.io.ByteSize;
import java.util.Locale;
import java.util.Optional;

/**
 * A generation test against the memory roofline: the weight and KV cache bytes a decode step reads ({@link
 * WeightTraffic}) times tokens per second, as a share of the read bandwidth measured with the same thread count in the
 * same run.
 */
public final class Roofline {
    private Roofline() {}

    /**
     * The report line for {@code r}, or empty for a prompt test (prompt tokens share each weight read) and for a run on
     * another device than the CPU whose memory was measured.
     */
    public static Optional<String> line(BenchResult r, WeightTraffic traffic, double readGbs) {
        if (r.test().nGen() == 0 || !r.backend().equals("CPU")) return Optional.empty();
        SparsityMode mode = SparsityMode.parse(r.sparsity());
        boolean dense = mode == SparsityMode.DENSE;
        double computed = dense ? 1.0 : r.activeFraction();
        if (Double.isNaN(computed)) return Optional.empty();
        double weights = traffic.perToken(mode, computed), cache = traffic.cachePerToken(r.test().depth(), r.tokens(), r.cache());
        double gbs = (weights + cache) / 1e9 * r.avgTs();
        String bound = dense ? "" : "at most ";
        String perToken = ByteSize.decimal(weights) + " of weights and " + ByteSize.decimal(cache) + " of KV cache";
        return Optional.of(String.format(Locale.ROOT, "%s %s t=%d: %s%s per token%s × %.2f t/s = %s%.1f GB/s, %s%.0f %% of the %.1f GB/s read",
                r.test().name(), r.setup(), r.threads(), bound, perToken,
                dense ? "" : String.format(Locale.ROOT, " (%.1f %% of the FFN computed)", 100 * computed),
                r.avgTs(), bound, gbs, bound, 100 * gbs / readGbs, readGbs));
    }
}
