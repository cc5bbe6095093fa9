package dev.bamboo.tests.docker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The ./mvnw command inside a RUN line: the modules it builds (-pl, -am), profiles (-P) and properties (-D). */
record MavenInvocation(List<String> projects, boolean alsoMake, List<String> profiles, Map<String, String> properties, List<String> goals) {

    static Optional<MavenInvocation> in(String shellCommand) {
        for (String command : shellCommand.split("&&|;|\\|\\|")) {
            String[] tokens = command.strip().split("\\s+", 2);
            if (!tokens[0].endsWith("mvnw")) continue;
            List<String> words = Words.split(command.strip());
            List<String> projects = new ArrayList<>();
            List<String> profiles = new ArrayList<>();
            List<String> goals = new ArrayList<>();
            Map<String, String> props = new HashMap<>();
            boolean am = false;
            for (int i = 1; i < words.size(); i++) {
                String w = words.get(i);
                if (w.equals("-pl") || w.equals("--projects")) projects.addAll(List.of(words.get(++i).split(",")));
                else if (w.equals("-am") || w.equals("--also-make")) am = true;
                else if (w.startsWith("-P")) profiles.addAll(List.of(w.substring(2).split(",")));
                else if (w.startsWith("-D")) {
                    String kv = w.substring(2);
                    int eq = kv.indexOf('=');
                    props.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "true" : kv.substring(eq + 1));
                } else if (!w.startsWith("-")) goals.add(w);
            }
            return Optional.of(new MavenInvocation(projects, am, profiles, props, goals));
        }
        return Optional.empty();
    }
}
