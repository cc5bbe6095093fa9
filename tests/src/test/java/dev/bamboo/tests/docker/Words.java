package dev.bamboo.tests.docker;

import java.util.ArrayList;
import java.util.List;

/** The two ways Dockerfile arguments are written: shell-like words, and JSON arrays of strings (exec form). */
final class Words {
    private Words() {}

    /**
     * Splits on unquoted whitespace; double and single quotes group, a backslash escapes the next character
     * outside single quotes. Quotes are removed, as Docker does for ENV, LABEL, ARG and the like.
     */
    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (word != null) words.add(word.toString());
                word = null;
                continue;
            }
            if (word == null) word = new StringBuilder();
            if (c == '\\' && quote != '\'' && i + 1 < text.length()) {
                word.append(text.charAt(++i));
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (c == quote) {
                quote = 0;
            } else {
                word.append(c);
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unterminated " + quote + " quote in: " + text);
        if (word != null) words.add(word.toString());
        return words;
    }

    /**
     * Parses an exec-form argument list. Docker silently treats a malformed one (single quotes, a trailing
     * comma) as shell form, which runs something else than written: here that is an error.
     */
    static List<String> jsonStringArray(String text) {
        var p = new JsonArrayReader(text.strip());
        return p.read();
    }

    private static final class JsonArrayReader {
        private final String s;
        private int pos;

        JsonArrayReader(String s) {
            this.s = s;
        }

        List<String> read() {
            List<String> out = new ArrayList<>();
            expect('[');
            skipSpace();
            if (peek() == ']') {
                pos++;
            } else {
                while (true) {
                    skipSpace();
                    out.add(string());
                    skipSpace();
                    char c = next();
                    if (c == ']') break;
                    if (c != ',') throw fail("expected , or ] at " + (pos - 1));
                }
            }
            skipSpace();
            if (pos != s.length()) throw fail("text after the closing ]");
            return out;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') return b.toString();
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) throw fail("short \\u escape");
                        b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> throw fail("bad escape \\" + e);
                }
            }
        }

        private void expect(char c) {
            if (next() != c) throw fail("expected " + c + " at " + (pos - 1));
        }

        private char peek() {
            if (pos >= s.length()) throw fail("unexpected end");
            return s.charAt(pos);
        }

        private char next() {
            char c = peek();
            pos++;
            return c;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private IllegalArgumentException fail(String why) {
            return new IllegalArgumentException("not a JSON array of strings (" + why + "): " + s);
        }
    }
}
