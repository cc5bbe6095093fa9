package dev.bamboo.runtime.synth;

import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.IoErrors;
import dev.bamboo.weights.io.ReplacedFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Writes a synthetic model file: checks the target and the free disk space first, streams the tensors (generated
 * and encoded on {@code threads} threads), then — for a PowerInfer file — calibrates the predictor threshold on the
 * written file so that the predicted-active share is the requested density, stores it, and measures the result.
 */
public final class Synthesizer {
    /** Header (metadata, tensor infos; the vocabulary is counted apart) and file-system slack on top of the tensor data. */
    private static final long SLACK_BYTES = 4L << 20;

    private Synthesizer() {}

    /**
     * @param progressOut where the progress bar goes (a terminal), or null for none
     * @param log         one line per step (calibration results)
     */
    public static SynthReport write(Path file, SynthOptions options, boolean force, PrintWriter progressOut, Consumer<String> log) {
        SyntheticModel model = new SyntheticModel(options);
        long needed = model.dataBytes() + (long) options.shape().vocab() * 48 + SLACK_BYTES;
        checkTarget(file, force, needed);

        float threshold = options.format() == SynthFormat.POWERINFER ? analyticThreshold(options) : Float.NaN;
        long t0 = System.nanoTime();
        ProgressBar bar = new ProgressBar(progressOut, model.dataBytes());
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "bamboo-synth");
            t.setDaemon(true);
            return t;
        });
        try {
            model.writer(threshold, pool, bar::add).write(file);
        } finally {
            pool.shutdownNow();
            bar.finish();
        }
        long bytes = size(file);
        double writeSeconds = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        Optional<DensityMeasurement> measured = Optional.empty();
        int tokens = options.calibrationTokens();
        if (tokens > 0) {
            if (options.format() == SynthFormat.POWERINFER) {
                if (options.density() < 1 && options.density() != 0.5) {
                    threshold = calibrate(file, options, threshold, log);
                    ThresholdPatch.write(file, threshold);
                }
                try (Model m = Model.load(file)) {
                    measured = Optional.of(DensityMeasurement.measure(m, OptionalDouble.empty(), tokens, options.seed() + 7919, options.threads()));
                }
            } else {
                checkRuns(file, options);
            }
        }
        return new SynthReport(file, bytes, model.params(), options, threshold, measured, writeSeconds, (System.nanoTime() - t1) / 1e9);
    }

    /**
     * The threshold for the construction's score distribution: scores are gate·h, about normal with the residual's RMS
     * as standard deviation (≈1, growing slowly with depth), so P(score ≥ t) = density at t = z(1 − density) · RMS.
     */
    static float analyticThreshold(SynthOptions o) {
        if (o.density() >= 1) return -Float.MAX_VALUE;
        double rms = Math.sqrt(1 + o.shape().layers() * SyntheticModel.BLOCK_GAIN * SyntheticModel.BLOCK_GAIN);
        // z(1 − density) as −z(density): 1 − density rounds to 1 for densities below 1e-16
        return (float) (-Normal.quantile(o.density()) * rms);
    }

    /**
     * Two rescaling steps on the written file: measure the predicted share d at threshold t, take the score scale as
     * t / z(1 − d), and set t = scale · z(1 − density).
     */
    private static float calibrate(Path file, SynthOptions o, float t, Consumer<String> log) {
        double z = -Normal.quantile(o.density());
        try (Model m = Model.load(file)) {
            for (int step = 0; step < 2; step++) {
                DensityMeasurement d = DensityMeasurement.measure(m, OptionalDouble.of(t), o.calibrationTokens(), o.seed() + step, o.threads());
                log.accept(String.format(java.util.Locale.ROOT, "calibration: threshold %.4f gives predicted density %.4f", t, d.predicted()));
                if (!(d.predicted() > 0 && d.predicted() < 1)) break;
                double zi = -Normal.quantile(d.predicted());
                if (zi * z <= 0 || Math.abs(zi) < 1e-6) break; // other side of the median: the scale cannot be read off
                t = (float) (t / zi * z);
            }
        }
        return t;
    }

    /** A dense file: loads and runs a short prompt. */
    private static void checkRuns(Path file, SynthOptions o) {
        try (Model m = Model.load(file);
             Engine e = m.engine(EngineOptions.defaults().withThreads(o.threads()).withSparsity(SparsityMode.DENSE).withContextLength(4).withPromptBatch(4))) {
            float[] logits = e.session().append(new int[] {m.config().bosToken(), 300, 301, 302});
            for (float v : logits) if (!Float.isFinite(v)) throw new IllegalStateException(file + ": the written model gives non-finite logits");
        }
    }

    private static void checkTarget(Path file, boolean force, long needed) {
        ReplacedFile.checkTarget(file, "-o " + file);
        Path parent = file.toAbsolutePath().getParent();
        if (Files.exists(file) && !force) throw new BambooException(file + " exists; use --force to overwrite it or choose another name");
        // the new file is written beside an old one and replaces it once complete: the old one's space does not count
        long free;
        try {
            free = Files.getFileStore(parent).getUsableSpace();
        } catch (IOException e) {
            throw new BambooException(parent + ": cannot read the free disk space (" + IoErrors.reason(e) + ")");
        }
        if (free < needed) {
            throw new BambooException(String.format(java.util.Locale.ROOT, "not enough disk space in %s: writing the file needs %.3f GB, %.3f GB are free; free some space or write elsewhere",
                    parent, needed / 1e9, free / 1e9));
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new BambooException(file + ": cannot read its size (" + IoErrors.reason(e) + ")");
        }
    }
}
