package dev.bamboo.runtime.synth;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.parallel.ComputePool;
import dev.bamboo.weights.tensor.GGMLType;

import java.util.List;
import java.util.Locale;

/**
 * What {@code bamboo synth} writes.
 *
 * @param rank              predictor rank (fc1 rows); the gate projection has rank {@code rank / 2}
 * @param density           the predicted-active share of FFN neurons the threshold is calibrated to
 * @param threads           generation and calibration threads
 * @param calibrationTokens tokens per calibration and measurement pass (0: analytic threshold only, nothing measured)
 */
public record SynthOptions(SynthShape shape, GGMLType type, SynthFormat format, int rank, double density, long seed,
                           int threads, int calibrationTokens) {
    public static final List<GGMLType> TYPES = List.of(GGMLType.F16, GGMLType.Q8_0, GGMLType.Q4_0);

    public SynthOptions {
        String problem = shape.formatProblem(format);
        if (problem != null) throw new BambooException(problem);
        if (!(density > 0 && density <= 1)) throw new BambooException("--density " + density + " is out of range: use a share in (0, 1], e.g. 0.15");
        int block = type.blockSize();
        if (rank < 2 || rank % 2 != 0 || rank % block != 0 || rank / 2 > shape.hidden()) {
            throw new BambooException("--rank " + rank + " does not fit: use an even rank, a multiple of " + Math.max(2, block) + " for " + type + ", at most " + 2 * shape.hidden());
        }
        ComputePool.checkThreads(threads);
        if (calibrationTokens < 0 || calibrationTokens > 4096) throw new BambooException("--calibration-tokens " + calibrationTokens + " is out of range: use 0 to 4096");
    }

    public static GGMLType parseType(String s) {
        for (GGMLType t : TYPES) if (t.name().equalsIgnoreCase(s.trim())) return t;
        throw new BambooException("--type '" + s + "' is not supported; use one of " + String.join(", ", TYPES.stream().map(t -> t.name().toLowerCase(Locale.ROOT)).toList()));
    }
}
