package dev.bamboo.weights.model;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.gguf.GGUFFile;
import dev.bamboo.weights.gguf.GGUFModelLoader;
import dev.bamboo.weights.hf.HFModelLoader;

import dev.bamboo.weights.io.PathKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Opens any model Bamboo reads: a Hugging Face directory, or a GGUF / PowerInfer GGUF file. */
public final class ModelLoader {
    private ModelLoader() {}

    public static LoadedModel open(Path path) {
        checkPath(path);
        if (Files.isDirectory(path)) return HFModelLoader.load(path);
        GGUFFile file = GGUFFile.open(path);
        try {
            ModelWeights weights = GGUFModelLoader.load(file);
            ModelFormat format = file.isPowerInfer() ? ModelFormat.POWERINFER_GGUF : ModelFormat.GGUF;
            return new LoadedModel(path, format, weights, file.fileSize(), Optional.of(file.metadata()), List.of(file));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Refuses, before any reading, a path where no model can be: empty, missing, a link to nothing, or no file or folder. */
    public static void checkPath(Path path) {
        // an empty path names the working directory, which would be read as a model folder
        if (path.toString().isBlank()) throw new BambooException("the model path is empty; -m takes a GGUF file or a Hugging Face model directory");
        if (!Files.exists(path)) {
            String what = PathKind.of(path) == PathKind.BROKEN_LINK ? PathKind.BROKEN_LINK.phrase() : "no such file or directory";
            throw new BambooException(path + ": " + what + "; -m takes a GGUF file or a Hugging Face model directory");
        }
        if (!Files.isDirectory(path) && !Files.isRegularFile(path)) {
            throw new BambooException(path + " is a device, pipe or socket; -m takes a GGUF file or a Hugging Face model directory (save a piped model to a file first)");
        }
    }
}
