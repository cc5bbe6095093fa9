package dev.bamboo.tests.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A .dockerignore with Docker's matching rules: patterns are relative to the context root (a leading / is
 * dropped), '*' and '?' stay within one path element, '**' spans any number of them, a pattern that matches a
 * directory excludes everything below it, '!' re-includes, and the last pattern that matches decides.
 */
final class DockerIgnore {
    private record Rule(Pattern regex, boolean reinclude, String text) {}

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    static DockerIgnore parse(String text) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            boolean reinclude = line.startsWith("!");
            String pattern = clean(reinclude ? line.substring(1).strip() : line);
            if (pattern.isEmpty()) continue;
            rules.add(new Rule(Pattern.compile(toRegex(pattern)), reinclude, line));
        }
        return new DockerIgnore(List.copyOf(rules));
    }

    /** Whether the file or directory at this context-relative path (with '/' separators) is left out. */
    boolean excludes(String path) {
        String p = clean(path);
        List<String> parents = new ArrayList<>();
        String[] parts = p.split("/");
        for (int i = 1; i < parts.length; i++) parents.add(String.join("/", List.of(parts).subList(0, i)));
        boolean excluded = false;
        for (Rule rule : rules) {
            // As Docker: an exclusion can only exclude what is still in, a re-inclusion only what is out.
            if (rule.reinclude() != excluded) continue;
            boolean match = rule.regex().matcher(p).matches()
                    || parents.stream().anyMatch(d -> rule.regex().matcher(d).matches());
            if (match) excluded = !rule.reinclude();
        }
        return excluded;
    }

    private static String clean(String path) {
        String p = path.replace('\\', '/');
        while (p.startsWith("/")) p = p.substring(1);
        while (p.startsWith("./")) p = p.substring(2);
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return p.replaceAll("/+", "/");
    }

    private static String toRegex(String pattern) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                        i++;
                        re.append("(?:.*/)?");
                    } else {
                        re.append(".*");
                    }
                } else {
                    re.append("[^/]*");
                }
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '[') {
                int end = pattern.indexOf(']', i + 1);
                if (end < 0) throw new IllegalArgumentException("unclosed [ in .dockerignore pattern " + pattern);
                re.append(pattern, i, end + 1);
                i = end;
            } else if (c == '\\' && i + 1 < pattern.length()) {
                re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
