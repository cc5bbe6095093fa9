package dev.bamboo.runtime.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** JSON: one array of result objects at the end ({@code json}), or one object per line as each test finishes ({@code jsonl}). */
public final class JsonPrinter implements ResultPrinter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;
    private final boolean lines;
    private final List<Map<String, Object>> rows = new ArrayList<>();

    JsonPrinter(PrintWriter out, boolean lines) {
        this.out = out;
        this.lines = lines;
    }

    @Override
    public void row(BenchResult r) {
        Map<String, Object> fields = ResultFields.of(r);
        if (lines) {
            out.println(write(fields, false));
            out.flush();
        } else {
            rows.add(fields);
        }
    }

    @Override
    public void finish() {
        if (!lines) out.println(write(rows, true));
        out.flush();
    }

    private static String write(Object value, boolean pretty) {
        try {
            return pretty ? JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) : JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write benchmark results as JSON", e);
        }
    }
}
