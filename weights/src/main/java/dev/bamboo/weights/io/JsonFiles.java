package dev.bamboo.weights.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.weights.BambooException;

import java.io.IOException;
import java.nio.file.Path;

/** Reads the JSON files that come with models (configs, tokenizers, shard indexes, predictor settings). */
public final class JsonFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFiles() {}

    /**
     * The file's top-level JSON object; a one-line error naming the file, what is wrong with it and {@code fix} (what
     * to do about this file in particular, e.g. "download it again") if it cannot be read or is not an object.
     */
    public static JsonNode readObject(Path file, String fix) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new BambooException(file + ": cannot read it as JSON (" + firstLine(e.getMessage()) + "); " + fix);
        }
        if (root == null || !root.isObject()) throw new BambooException(file + ": not a JSON object; " + fix);
        return root;
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
