package dev.bamboo.tests.docker;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** What makes each Dockerfile instruction well formed: its name, its allowed flags, the shape of its arguments. */
final class InstructionRules {
    private static final Map<String, Set<String>> FLAGS = Map.of(
            "FROM", Set.of("platform"),
            "RUN", Set.of("mount", "network", "security"),
            "COPY", Set.of("from", "chown", "chmod", "link", "parents", "exclude"),
            "ADD", Set.of("chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"),
            "HEALTHCHECK", Set.of("interval", "timeout", "start-period", "start-interval", "retries"));
    private static final Set<String> KNOWN = Set.of("FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV",
            "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern STAGE_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_.-]*");
    private static final Pattern PORT = Pattern.compile("\\d+(-\\d+)?(/(tcp|udp|sctp))?");

    private InstructionRules() {}

    static boolean takesFlags(String keyword) {
        return FLAGS.containsKey(keyword);
    }

    static void check(Instruction in) {
        int line = in.line();
        String kw = in.keyword();
        if (!KNOWN.contains(kw)) throw new DockerfileSyntaxError(line, "unknown instruction " + kw);
        for (Instruction.Flag f : in.flags()) {
            if (!FLAGS.get(kw).contains(f.name())) throw new DockerfileSyntaxError(line, kw + " has no flag --" + f.name());
            if (f.value().isEmpty() && !f.name().equals("link")) throw new DockerfileSyntaxError(line, "--" + f.name() + " needs a value");
        }
        String args = in.arguments();
        if (args.isEmpty()) throw new DockerfileSyntaxError(line, kw + " has no arguments");
        switch (kw) {
            case "FROM" -> {
                List<String> words = words(in);
                boolean named = words.size() == 3 && words.get(1).equalsIgnoreCase("AS") && STAGE_NAME.matcher(words.get(2)).matches();
                if (words.size() != 1 && !named) throw new DockerfileSyntaxError(line, "FROM expects 'image [AS name]'");
            }
            case "ARG" -> {
                List<String> words = words(in);
                for (String w : words) {
                    String name = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
                    if (!NAME.matcher(name).matches()) throw new DockerfileSyntaxError(line, "bad ARG name '" + name + "'");
                }
            }
            case "ENV", "LABEL" -> KeyValues.of(in);
            case "COPY", "ADD" -> {
                List<String> parts = execOrWords(in);
                if (parts.size() < 2) throw new DockerfileSyntaxError(line, kw + " needs a source and a destination");
                if (parts.size() > 2 && !parts.getLast().endsWith("/")) {
                    throw new DockerfileSyntaxError(line, kw + " with several sources needs a destination ending in /");
                }
            }
            case "CMD", "ENTRYPOINT", "RUN" -> {
                // Shell form is the shell's business; an exec form must be valid JSON, or Docker runs it as shell form.
                if (args.startsWith("[") && execOrWords(in).isEmpty()) {
                    throw new DockerfileSyntaxError(line, kw + " has an empty argument list");
                }
            }
            case "VOLUME" -> {
                List<String> parts = execOrWords(in);
                if (parts.isEmpty()) throw new DockerfileSyntaxError(line, kw + " has an empty argument list");
            }
            case "SHELL" -> {
                if (!args.startsWith("[")) throw new DockerfileSyntaxError(line, "SHELL must be a JSON array");
                execOrWords(in);
            }
            case "USER", "WORKDIR", "STOPSIGNAL" -> {
                List<String> words = words(in);
                if (words.size() != 1) throw new DockerfileSyntaxError(line, kw + " takes exactly one argument");
            }
            case "EXPOSE" -> {
                List<String> words = words(in);
                for (String w : words) {
                    if (!w.contains("$") && !PORT.matcher(w).matches()) throw new DockerfileSyntaxError(line, "bad port '" + w + "'");
                }
            }
            case "MAINTAINER" -> throw new DockerfileSyntaxError(line, "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors");
            case "ONBUILD" -> {
                List<String> words = words(in);
                String inner = words.getFirst().toUpperCase();
                if (Set.of("ONBUILD", "FROM", "MAINTAINER").contains(inner)) throw new DockerfileSyntaxError(line, "ONBUILD cannot trigger " + inner);
                check(new Instruction(inner, List.of(), args.substring(words.getFirst().length()).strip(), line));
            }
            case "HEALTHCHECK" -> {
                List<String> words = words(in);
                String first = words.getFirst().toUpperCase();
                if (!(first.equals("NONE") && words.size() == 1) && !first.equals("CMD")) {
                    throw new DockerfileSyntaxError(line, "HEALTHCHECK expects NONE or CMD ...");
                }
            }
            default -> throw new IllegalStateException(kw);
        }
    }

    private static List<String> words(Instruction in) {
        try {
            return Words.split(in.arguments());
        } catch (IllegalArgumentException e) {
            throw new DockerfileSyntaxError(in.line(), e.getMessage());
        }
    }

    private static List<String> execOrWords(Instruction in) {
        try {
            return in.execForm().orElseGet(() -> Words.split(in.arguments()));
        } catch (IllegalArgumentException e) {
            throw new DockerfileSyntaxError(in.line(), in.keyword() + ": " + e.getMessage());
        }
    }
}
