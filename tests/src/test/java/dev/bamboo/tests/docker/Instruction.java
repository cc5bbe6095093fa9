package dev.bamboo.tests.docker;

import java.util.List;
import java.util.Optional;

/**
 * One Dockerfile instruction after line continuations are joined: its keyword (upper case), the leading
 * {@code --name[=value]} flags, and the rest of the line as written.
 */
record Instruction(String keyword, List<Flag> flags, String arguments, int line) {

    record Flag(String name, String value) {}

    Optional<String> flag(String name) {
        return flags.stream().filter(f -> f.name().equals(name)).map(Flag::value).findFirst();
    }

    boolean is(String kw) {
        return keyword.equals(kw);
    }

    /** Exec (JSON) form of CMD, ENTRYPOINT, RUN, SHELL, COPY, ADD, VOLUME, when the arguments use it. */
    Optional<List<String>> execForm() {
        return arguments.startsWith("[") ? Optional.of(Words.jsonStringArray(arguments)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "line " + line + ": " + keyword + " " + arguments;
    }
}
