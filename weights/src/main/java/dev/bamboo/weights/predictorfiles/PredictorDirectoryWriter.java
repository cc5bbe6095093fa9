package dev.bamboo.weights.predictorfiles;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.IoErrors;
import dev.bamboo.weights.io.ReplacedFile;
import dev.bamboo.weights.io.WriteProbe;
import dev.bamboo.weights.model.PredictorLayer;
import dev.bamboo.weights.model.PredictorWeights;
import dev.bamboo.weights.safetensors.SafetensorsWriter;
import dev.bamboo.weights.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes predictors as PowerInfer's predictor directory, which {@link PredictorFiles} reads back and PowerInfer's
 * converter merges into a model file: {@code model_{L}.safetensors} per layer with {@code fc1.weight} f16[rank, hidden]
 * and {@code fc2.weight} f16[ffn, rank], and {@code config.json} with {@code sparse_threshold}.
 */
public final class PredictorDirectoryWriter {
    private PredictorDirectoryWriter() {}

    /** Writes {@code predictor} into {@code dir}, made if missing; a directory that already holds a predictor is left alone. */
    public static void write(PredictorWeights predictor, Path dir) {
        checkTarget(dir);
        try {
            Files.createDirectories(dir);
            for (int l = 0; l < predictor.layers().size(); l++) {
                PredictorLayer layer = predictor.layers().get(l);
                new SafetensorsWriter()
                        .f16("fc1.weight", new long[] {layer.fc1().rows(), layer.fc1().cols()}, values(layer.fc1()))
                        .f16("fc2.weight", new long[] {layer.fc2().rows(), layer.fc2().cols()}, values(layer.fc2()))
                        .write(dir.resolve("model_" + l + ".safetensors"));
            }
            var config = new ObjectMapper().createObjectNode().put("sparse_threshold", predictor.threshold());
            ReplacedFile.write(dir.resolve("config.json"), out -> out.write((config.toString() + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new BambooException("cannot write the predictor into " + dir + " (" + IoErrors.reason(e) + "); give -o a directory you may write to");
        }
    }

    /**
     * Refuses a {@code dir} that {@link #write} would refuse: an empty name, a file, a path through a file, a place this
     * process may not write to, or a directory with a predictor in it. Call it before the work (training a 7B model's
     * predictors takes hours); it leaves nothing behind.
     */
    public static void checkTarget(Path dir) {
        // an empty -o (an unset shell variable) would write into the working directory
        if (dir.toString().isBlank()) throw new BambooException("-o is empty; give the directory to write the predictor into");
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new BambooException(dir + " is a file, not a directory; give -o a directory to write the predictor into");
        if (PredictorFiles.isPredictorDirectory(dir)) {
            throw new BambooException(dir + " already holds a predictor (model_*.safetensors / .pt); choose another -o or remove those files");
        }
        // where the first file or folder of the predictor will be made
        Path existing = dir.toAbsolutePath();
        while (!Files.exists(existing) && existing.getParent() != null) existing = existing.getParent();
        if (!Files.isDirectory(existing)) {
            throw new BambooException(dir + ": " + existing + " is a file, not a directory; give -o a directory to write the predictor into");
        }
        Path folder = existing;
        WriteProbe.cannotMakeFilesIn(folder).ifPresent(why -> {
            throw new BambooException("cannot write the predictor into " + dir + ": no file can be made in " + folder + " (" + why + "); give -o a directory you may write to");
        });
    }

    private static float[] values(Tensor t) {
        float[] out = new float[Math.toIntExact(t.size())];
        for (long r = 0; r < t.rows(); r++) t.dequantizeRow(r, out, Math.toIntExact(r * t.cols()));
        return out;
    }
}
