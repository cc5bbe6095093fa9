package dev.bamboo.weights.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.weights.BambooException;

import java.io.IOException;
import java.nio.file.Path;

/** Reads the JSON files that come with models (configs, tokenizers, shard indexes, predictor settings). */
public final class JsonFiles {
    /** Text after the top-level value is an error, as in Python's json and the safetensors library: a file with two objects is corrupt. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
            throw new BambooException(file + ": cannot read it as JSON (" + reason(e) + "); " + fix);
        }
        if (root == null || !root.isObject()) throw new BambooException(file + ": not a JSON object; " + fix);
        return root;
    }

    /** JSON text read as {@link #readObject} reads files (text after the value is an error). */
    public static JsonNode parse(String text) throws IOException {
        return JSON.readTree(text);
    }

    /**
     * Jackson's message in words a user can act on, with where in the file: its first line, without the parser's own
     * notes (where an object started, which feature would accept a non-standard token).
     */
    static String reason(IOException e) {
        if (!(e instanceof JsonProcessingException j)) return firstLine(e.getMessage());
        String message = firstLine(j.getOriginalMessage());
        if (message.startsWith("Trailing token")) {
            message = "more text follows the JSON value";
        } else {
            message = message.replaceAll("\\s*\\(start marker at \\[Source:.*?\\]\\)", "")
                    .replaceAll("^Non-standard token ('[^']*')[:].*$", "$1 is not a JSON value")
                    .replaceAll("^Unexpected character \\(('.*?') \\(code \\d+\\)\\).*$", "unexpected character $1");
        }
        JsonLocation where = j.getLocation();
        return where == null || where.getLineNr() < 1 ? message : message + " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
