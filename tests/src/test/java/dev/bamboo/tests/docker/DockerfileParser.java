package dev.bamboo.tests.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Dockerfile the way Docker's front end does: parser directives at the top (syntax, escape, check),
 * comments, line continuations with the escape character (comment lines inside a continuation are dropped),
 * leading --flags, and stages split at each FROM. Every instruction is then checked by {@link InstructionRules}.
 * Heredocs (RUN <<EOF) are not supported and are reported rather than misread.
 */
final class DockerfileParser {
    private static final Pattern DIRECTIVE = Pattern.compile("#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.*?)\\s*");
    private static final Pattern HEREDOC = Pattern.compile("<<-?[\"']?[A-Za-z_]");
    private static final Pattern FLAG = Pattern.compile("--([a-z][a-z-]*)(?:=(\\S*))?");

    private DockerfileParser() {}

    static Dockerfile parse(String text) {
        String[] lines = text.split("\\R", -1);
        Map<String, String> directives = new LinkedHashMap<>();
        int i = 0;
        for (; i < lines.length; i++) {
            Matcher m = DIRECTIVE.matcher(lines[i].strip());
            if (!m.matches()) break;
            String key = m.group(1).toLowerCase();
            if (directives.put(key, m.group(2)) != null) {
                throw new DockerfileSyntaxError(i + 1, "parser directive '" + key + "' given twice");
            }
        }
        String escape = directives.getOrDefault("escape", "\\");
        if (!escape.equals("\\") && !escape.equals("`")) {
            throw new DockerfileSyntaxError(1, "escape directive must be \\ or `, got " + escape);
        }
        char esc = escape.charAt(0);

        List<Instruction> instructions = new ArrayList<>();
        StringBuilder logical = null;
        int start = 0;
        for (; i < lines.length; i++) {
            String line = lines[i];
            String stripped = line.strip();
            if (stripped.startsWith("#") || (stripped.isEmpty())) continue;
            if (logical == null) {
                logical = new StringBuilder();
                start = i + 1;
            }
            String trimmedEnd = line.stripTrailing();
            if (trimmedEnd.endsWith(String.valueOf(esc)) && !trimmedEnd.endsWith(String.valueOf(esc) + esc)) {
                logical.append(trimmedEnd, 0, trimmedEnd.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            instructions.add(instruction(logical.toString().strip(), start));
            logical = null;
        }
        if (logical != null) {
            throw new DockerfileSyntaxError(start, "the file ends inside a line continuation");
        }
        return assemble(directives, instructions);
    }

    private static Instruction instruction(String text, int line) {
        int space = indexOfWhitespace(text);
        String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase();
        String rest = space < 0 ? "" : text.substring(space).strip();
        List<Instruction.Flag> flags = new ArrayList<>();
        if (InstructionRules.takesFlags(keyword)) {
            while (rest.startsWith("--")) {
                int end = indexOfWhitespace(rest);
                String token = end < 0 ? rest : rest.substring(0, end);
                Matcher m = FLAG.matcher(token);
                if (!m.matches()) throw new DockerfileSyntaxError(line, "malformed flag '" + token + "' on " + keyword);
                flags.add(new Instruction.Flag(m.group(1), m.group(2) == null ? "" : m.group(2)));
                rest = end < 0 ? "" : rest.substring(end).strip();
            }
        }
        if ((keyword.equals("RUN") || keyword.equals("COPY") || keyword.equals("ADD")) && HEREDOC.matcher(rest).find()) {
            throw new DockerfileSyntaxError(line, "heredocs are not supported by this parser; write the file to the context instead");
        }
        Instruction in = new Instruction(keyword, List.copyOf(flags), rest, line);
        InstructionRules.check(in);
        return in;
    }

    private static Dockerfile assemble(Map<String, String> directives, List<Instruction> instructions) {
        if (instructions.isEmpty()) throw new DockerfileSyntaxError(1, "no instructions");
        List<Instruction> globalArgs = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        List<Instruction> current = null;
        String base = null;
        Optional<String> name = Optional.empty();
        for (Instruction in : instructions) {
            if (in.is("FROM")) {
                if (current != null) stages.add(new Stage(stages.size(), base, name, List.copyOf(current)));
                List<String> words = Words.split(in.arguments());
                base = words.getFirst();
                name = words.size() == 3 ? Optional.of(words.get(2)) : Optional.empty();
                for (Stage s : stages) {
                    if (name.isPresent() && s.name().equals(name)) {
                        throw new DockerfileSyntaxError(in.line(), "stage name '" + name.get() + "' used twice");
                    }
                }
                current = new ArrayList<>();
                current.add(in);
            } else if (current == null) {
                if (!in.is("ARG")) {
                    throw new DockerfileSyntaxError(in.line(), "only ARG may come before the first FROM, not " + in.keyword());
                }
                globalArgs.add(in);
            } else {
                current.add(in);
            }
        }
        if (current == null) throw new DockerfileSyntaxError(1, "no FROM instruction");
        stages.add(new Stage(stages.size(), base, name, List.copyOf(current)));
        Dockerfile file = new Dockerfile(Map.copyOf(directives), List.copyOf(globalArgs), List.copyOf(stages));
        checkCopyFrom(file);
        return file;
    }

    /** COPY --from must name an earlier stage (or an image, written with a ':' or '/'), never a later one. */
    private static void checkCopyFrom(Dockerfile file) {
        for (Stage stage : file.stages()) {
            stage.all("COPY").forEach(copy -> copy.flag("from").ifPresent(from -> {
                Optional<Stage> source = file.stage(from);
                boolean image = from.contains(":") || from.contains("/");
                if (source.isEmpty() && !image) {
                    throw new DockerfileSyntaxError(copy.line(), "COPY --from=" + from + " names no stage");
                }
                if (source.isPresent() && source.get().index() >= stage.index()) {
                    throw new DockerfileSyntaxError(copy.line(), "COPY --from=" + from + " names this or a later stage");
                }
            }));
        }
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
