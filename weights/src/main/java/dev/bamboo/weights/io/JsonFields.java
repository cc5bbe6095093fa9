package dev.bamboo.weights.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.bamboo.weights.BambooException;

/**
 * Fields of model JSON files read as strictly as their own readers (Python's json with type checks, Rust's serde) read
 * them: a field that is absent or null takes its default, one of the wrong type is an error. Jackson's own accessors
 * would coerce it ({@code "yes"} as false, {@code "500"} as 500), and a corrupt file would run with another meaning.
 * Errors name the field as {@code where + key}; the caller adds the file.
 */
public final class JsonFields {
    private JsonFields() {}

    public static boolean bool(JsonNode parent, String where, String key, boolean absent) {
        JsonNode v = parent.path(key);
        if (v.isMissingNode() || v.isNull()) return absent;
        if (!v.isBoolean()) throw wrongType(where, key, v, "true or false");
        return v.booleanValue();
    }

    /** An integer field that fits an {@code int}. */
    public static int integer(JsonNode parent, String where, String key, int absent) {
        JsonNode v = parent.path(key);
        if (v.isMissingNode() || v.isNull()) return absent;
        return integer(v, where + key);
    }

    /** An integer field that fits an {@code int} and is positive: a size or a count. */
    public static int positiveInteger(JsonNode parent, String where, String key, int absent) {
        JsonNode v = parent.path(key);
        if (v.isMissingNode() || v.isNull()) return absent;
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
            throw wrongType(where, key, v, v.isIntegralNumber() && v.bigIntegerValue().signum() > 0 ? "a positive integer below 2^31" : "a positive integer");
        }
        return v.intValue();
    }

    /** A number field, integer or not. */
    public static double number(JsonNode parent, String where, String key, double absent) {
        JsonNode v = parent.path(key);
        if (v.isMissingNode() || v.isNull()) return absent;
        if (!v.isNumber()) throw wrongType(where, key, v, "a number");
        return v.doubleValue();
    }

    /** A value that must be an integer that fits an {@code int}; {@code what} names it. */
    public static int integer(JsonNode v, String what) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BambooException(what + " is " + MessageText.shortened(v.toString(), 60) + ", not an integer"
                    + (v.isIntegralNumber() ? " from -2^31 to 2^31 - 1" : "") + "; the file is corrupt");
        }
        return v.intValue();
    }

    /** A string field, or null where it is absent or null. */
    public static String text(JsonNode parent, String where, String key) {
        JsonNode v = parent.path(key);
        if (v.isMissingNode() || v.isNull()) return null;
        if (!v.isTextual()) throw wrongType(where, key, v, "a string");
        return v.textValue();
    }

    /** A list field, or an empty list where it is absent or null. */
    public static JsonNode array(JsonNode parent, String where, String key) {
        JsonNode v = parent.path(key);
        if (v.isMissingNode() || v.isNull()) return JsonNodeFactory.instance.arrayNode();
        if (!v.isArray()) throw wrongType(where, key, v, "a list");
        return v;
    }

    private static BambooException wrongType(String where, String key, JsonNode v, String expected) {
        return new BambooException(where + key + " is " + MessageText.shortened(v.toString(), 60) + ", not " + expected + "; the file is corrupt");
    }
}
