package dev.bamboo.tests.docker;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A build stage: its FROM instruction (first) and everything up to the next FROM. */
record Stage(int index, String baseImage, Optional<String> name, List<Instruction> instructions) {

    Stream<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.is(keyword));
    }

    Optional<Instruction> last(String keyword) {
        return all(keyword).reduce((a, b) -> b);
    }

    String label() {
        return name.orElse("#" + index);
    }
}
