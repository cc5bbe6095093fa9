package dev.bamboo.weights.model;

import dev.bamboo.weights.gguf.GGUFMetadata;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A model opened from disk: its weights (zero-copy views of memory-mapped files) and the files that back them,
 * which stay mapped until {@link #close()}.
 *
 * @param path      the file or directory the user named
 * @param fileBytes    total size of the weight files
 * @param ggufMetadata the key-value metadata of a GGUF file (tokenizer, provenance); empty for other formats
 */
public record LoadedModel(Path path, ModelFormat format, ModelWeights weights, long fileBytes, Optional<GGUFMetadata> ggufMetadata,
                          List<AutoCloseable> resources)
        implements AutoCloseable {

    public ModelConfig config() {
        return weights.config();
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
