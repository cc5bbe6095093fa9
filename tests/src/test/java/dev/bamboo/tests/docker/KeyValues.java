package dev.bamboo.tests.docker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The key=value pairs of ENV and LABEL (and ENV's legacy "key value" form). */
final class KeyValues {
    private KeyValues() {}

    static Map<String, String> of(Instruction in) {
        List<String> words = Words.split(in.arguments());
        Map<String, String> pairs = new LinkedHashMap<>();
        if (words.isEmpty()) throw new DockerfileSyntaxError(in.line(), in.keyword() + " needs key=value pairs");
        if (in.is("ENV") && !words.getFirst().contains("=")) {
            if (words.size() < 2) throw new DockerfileSyntaxError(in.line(), "ENV " + words.getFirst() + " has no value");
            String rest = in.arguments().strip().substring(in.arguments().strip().indexOf(words.getFirst()) + words.getFirst().length());
            pairs.put(words.getFirst(), rest.strip());
            return pairs;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) throw new DockerfileSyntaxError(in.line(), in.keyword() + " expects key=value, got '" + w + "'");
            pairs.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return pairs;
    }
}
