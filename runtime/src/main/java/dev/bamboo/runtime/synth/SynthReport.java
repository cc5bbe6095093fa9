package dev.bamboo.runtime.synth;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code bamboo synth} wrote.
 *
 * @param threshold   the stored {@code powerinfer.sparse_threshold} (NaN for a dense GGUF)
 * @param measurement predicted and true activity measured on the written file, when measured
 */
public record SynthReport(Path file, long bytes, long params, SynthOptions options, float threshold,
                          Optional<DensityMeasurement> measurement, double writeSeconds, double calibrationSeconds) {
}
