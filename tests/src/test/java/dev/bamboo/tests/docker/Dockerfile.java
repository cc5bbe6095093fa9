package dev.bamboo.tests.docker;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed Dockerfile: parser directives, the ARGs before the first FROM (usable in FROM lines), the stages.
 */
record Dockerfile(Map<String, String> directives, List<Instruction> globalArgs, List<Stage> stages) {

    Stage finalStage() {
        return stages.getLast();
    }

    Optional<Stage> stage(String nameOrIndex) {
        return stages.stream()
                .filter(s -> s.name().map(n -> n.equalsIgnoreCase(nameOrIndex)).orElse(false)
                        || String.valueOf(s.index()).equals(nameOrIndex))
                .findFirst();
    }
}
