package dev.bamboo.weights.model;

import dev.bamboo.weights.gguf.GGUFMetadata;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A model opened from disk: its weights (zero-copy views of memory-mapped files) and the files that back them, which
 * stay mapped until {@link #close()}. Only this object closes them: the weights are views into those mappings.
 */
public final class LoadedModel implements AutoCloseable {
    private final Path path;
    private final ModelFormat format;
    private final ModelWeights weights;
    private final long fileBytes;
    private final Optional<GGUFMetadata> ggufMetadata;
    private final List<AutoCloseable> resources;

    /**
     * @param path         the file or directory the user named
     * @param fileBytes    total size of the weight files
     * @param ggufMetadata the key-value metadata of a GGUF file (tokenizer, provenance); empty for other formats
     * @param resources    what to close with the model (the mapped files)
     */
    public LoadedModel(Path path, ModelFormat format, ModelWeights weights, long fileBytes, Optional<GGUFMetadata> ggufMetadata,
                       List<AutoCloseable> resources) {
        this.path = path;
        this.format = format;
        this.weights = weights;
        this.fileBytes = fileBytes;
        this.ggufMetadata = ggufMetadata;
        this.resources = List.copyOf(resources);
    }

    public Path path() {
        return path;
    }

    public ModelFormat format() {
        return format;
    }

    public ModelWeights weights() {
        return weights;
    }

    public long fileBytes() {
        return fileBytes;
    }

    public Optional<GGUFMetadata> ggufMetadata() {
        return ggufMetadata;
    }

    public ModelConfig config() {
        return weights.config();
    }

    /**
     * This model with {@code predictor} in place of its own (if any), {@code owner} closed with it: the predictors of
     * {@code --predictor DIR}. This object's files move to the new one; close only that.
     */
    public LoadedModel withPredictor(PredictorWeights predictor, AutoCloseable owner) {
        ModelWeights w = new ModelWeights(weights.config(), weights.tokenEmbedding(), weights.layers(), weights.outputNorm(), weights.output(), Optional.of(predictor));
        List<AutoCloseable> all = new ArrayList<>(resources);
        all.add(owner);
        return new LoadedModel(path, format, w, fileBytes, ggufMetadata, all);
    }

    @Override
    public void close() {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception ignored) {
                // closing a read-only mapping cannot lose data
            }
        }
    }
}
