package dev.bamboo.tests.docker;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Build-time variables as Docker scopes them: ARGs before the first FROM are visible only in FROM lines;
 * inside a stage an ARG must be declared again (it then takes the global default unless it gives its own),
 * and ENV values follow. RUN lines see the same values through the shell's environment.
 */
final class Variables {
    private static final Pattern REF =
            Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?}|([A-Za-z_][A-Za-z0-9_]*))");

    private Variables() {}

    /** Values of the global ARGs, as FROM lines see them. */
    static Map<String, String> global(Dockerfile file) {
        Map<String, String> scope = new HashMap<>();
        for (Instruction arg : file.globalArgs()) declare(arg, scope, Map.of());
        return scope;
    }

    /** Values visible to the instruction at {@code position} of {@code stage}. */
    static Map<String, String> at(Dockerfile file, Stage stage, int position) {
        Map<String, String> globals = global(file);
        Map<String, String> scope = new HashMap<>();
        for (int i = 1; i < position; i++) {
            Instruction in = stage.instructions().get(i);
            if (in.is("ARG")) declare(in, scope, globals);
            if (in.is("ENV")) {
                for (var e : KeyValues.of(in).entrySet()) scope.put(e.getKey(), expand(e.getValue(), scope));
            }
        }
        return scope;
    }

    private static void declare(Instruction arg, Map<String, String> scope, Map<String, String> globals) {
        for (String word : Words.split(arg.arguments())) {
            int eq = word.indexOf('=');
            if (eq < 0) scope.put(word, globals.getOrDefault(word, ""));
            else scope.put(word.substring(0, eq), expand(word.substring(eq + 1), scope));
        }
    }

    /** Replaces $X, ${X}, ${X:-default} and ${X:+alternative}; an unset variable expands to nothing. */
    static String expand(String text, Map<String, String> scope) {
        Matcher m = REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(4);
            String value = scope.getOrDefault(name, "");
            if ("-".equals(m.group(2)) && value.isEmpty()) value = m.group(3);
            if ("+".equals(m.group(2))) value = value.isEmpty() ? "" : m.group(3);
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
