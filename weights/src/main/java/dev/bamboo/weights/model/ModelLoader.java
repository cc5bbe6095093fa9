package dev.bamboo.weights.model;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.hf.HFModelLoader;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens any model Bamboo reads: a Hugging Face directory, or a GGUF / PowerInfer GGUF file. */
public final class ModelLoader {
    private ModelLoader() {}

    public static LoadedModel open(Path path) {
        if (!Files.exists(path)) {
            throw new BambooException(path + ": no such file or directory; -m takes a GGUF file or a Hugging Face model directory");
        }
        if (Files.isDirectory(path)) return HFModelLoader.load(path);
        throw new BambooException(path + ": GGUF files are not supported yet");
    }
}
