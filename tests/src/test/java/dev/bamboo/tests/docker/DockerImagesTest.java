package dev.bamboo.tests.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What can be checked of docker/Dockerfile.cpu and docker/Dockerfile.gpu without a Docker engine: they parse,
 * their build context holds what they copy and what Maven needs, the entrypoint runs the jar and main class the
 * build makes, the final image is non-root with the demo model at the CLI's default place, and the GPU image
 * compiles against the TornadoVM of its own base image.
 */
class DockerImagesTest {
    private static final Repo REPO = Repo.locate();
    private static final DockerIgnore IGNORE = DockerIgnore.parse(REPO.read(".dockerignore"));
    private static final Pattern TORNADO_IMAGE = Pattern.compile("beehivelab/tornadovm-nvidia-(cuda|opencl)-jdk(\\d+):(\\d+\\.\\d+\\.\\d+)");

    private static Dockerfile dockerfile(String name) {
        return DockerfileParser.parse(REPO.read("docker/" + name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cpu", "Dockerfile.gpu"})
    void contextSourcesExistAndAreNotIgnored(String name) {
        Dockerfile file = dockerfile(name);
        for (Stage stage : file.stages()) {
            stage.all("COPY").filter(c -> c.flag("from").isEmpty()).forEach(c -> checkContextSources(c, name));
            stage.all("ADD").forEach(c -> checkContextSources(c, name));
        }
    }

    private static void checkContextSources(Instruction copy, String name) {
        List<String> parts = copy.execForm().orElseGet(() -> Words.split(copy.arguments()));
        for (String source : parts.subList(0, parts.size() - 1)) {
            String where = name + " " + copy;
            assertFalse(source.contains("..") || source.startsWith("/"), where + ": a source outside the context");
            if (source.equals(".")) continue; // the whole context: its needed parts are checked in mavenBuildInputsAreInTheContext
            assertTrue(REPO.exists(source), where + ": " + source + " is not in the repository");
            for (String file : REPO.filesUnder(source)) {
                assertFalse(IGNORE.excludes(file), where + ": " + file + " is excluded by .dockerignore");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cpu", "Dockerfile.gpu"})
    void mavenBuildInputsAreInTheContext(String name) {
        Dockerfile file = dockerfile(name);
        Stage build = buildStage(file);
        assertTrue(build.all("COPY").anyMatch(c -> c.flag("from").isEmpty() && Words.split(c.arguments()).getFirst().equals(".")),
                name + ": the build stage copies the context with COPY . <dir>");
        MavenInvocation mvn = maven(build);
        for (String needed : List.of("pom.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties", ".mvn/jvm.config")) {
            assertTrue(REPO.exists(needed), needed + " is missing from the repository");
            assertFalse(IGNORE.excludes(needed), name + ": .dockerignore excludes " + needed);
        }
        Repo.Pom root = REPO.pom("");
        List<String> reactor = root.modules(mvn.profiles());
        List<String> defaultModules = root.modules(List.of());
        for (String module : reactor) {
            // Maven reads every reactor module's pom, even with -pl.
            assertFalse(IGNORE.excludes(module + "/pom.xml"), name + ": .dockerignore excludes " + module + "/pom.xml");
            if (defaultModules.contains(module)) assertTrue(REPO.exists(module + "/pom.xml"), module + "/pom.xml is missing");
        }
        for (String module : builtModules(mvn, reactor)) {
            assertFalse(IGNORE.excludes(module + "/src/main/java/dev/bamboo/Example.java"), name + ": .dockerignore excludes " + module + "'s sources");
            if (REPO.exists(module + "/src/main")) {
                for (String f : REPO.filesUnder(module + "/src/main")) assertFalse(IGNORE.excludes(f), name + ": .dockerignore excludes " + f);
            }
        }
        // And it keeps out what must not go in: history, test data, stale build output, other models.
        for (String out : List.of(".git/HEAD", "testdata/REFERENCE-README.md", "runtime/target/bamboo.jar", "weights/target/classes/X.class", "models/another/config.json")) {
            assertTrue(IGNORE.excludes(out), ".dockerignore lets " + out + " into the build context");
        }
    }

    /** The -pl modules and, with -am, the dev.bamboo modules they depend on, transitively. */
    private static Set<String> builtModules(MavenInvocation mvn, List<String> reactor) {
        Map<String, String> dirByArtifact = new java.util.HashMap<>();
        for (String m : reactor) if (REPO.exists(m + "/pom.xml")) dirByArtifact.put(REPO.pom(m).artifactId(), m);
        Set<String> built = new LinkedHashSet<>(mvn.projects());
        Deque<String> todo = new ArrayDeque<>(mvn.projects());
        while (mvn.alsoMake() && !todo.isEmpty()) {
            String m = todo.pop();
            if (!REPO.exists(m + "/pom.xml")) continue;
            for (String dep : REPO.pom(m).dependenciesIn("dev.bamboo")) {
                String dir = dirByArtifact.get(dep);
                if (dir != null && built.add(dir)) todo.push(dir);
            }
        }
        return built;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cpu", "Dockerfile.gpu"})
    void entrypointRunsTheJarAndMainClassTheBuildProduces(String name) {
        Dockerfile file = dockerfile(name);
        Repo.Pom runtime = REPO.pom("runtime");
        String jarName = runtime.first("finalName").orElseThrow() + ".jar";
        String mainClass = runtime.first("mainClass").orElseThrow();

        Stage last = file.finalStage();
        List<String> entry = last.last("ENTRYPOINT").orElseThrow(() -> new AssertionError(name + ": no ENTRYPOINT"))
                .execForm().orElseThrow(() -> new AssertionError(name + ": ENTRYPOINT must be exec form so `docker run IMAGE generate ...` appends"));
        assertEquals("java", entry.getFirst());
        assertTrue(adjacent(entry, "--add-modules", "jdk.incubator.vector"), name + ": the Vector API module is not added");
        assertTrue(entry.contains("--enable-native-access=ALL-UNNAMED"), name + ": native access is not enabled");
        int cp = entry.indexOf("-cp");
        assertTrue(cp > 0 && cp + 2 < entry.size(), name + ": ENTRYPOINT has no -cp <classpath> <main class>");
        assertEquals(mainClass, entry.get(cp + 2), name + ": main class");
        String jar = List.of(entry.get(cp + 1).split(":")).stream().filter(e -> e.endsWith("/" + jarName)).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": classpath lacks " + jarName));

        // The jar at that path is copied from the build stage's runtime/target/<finalName>.jar.
        Stage build = buildStage(file);
        Instruction copy = last.all("COPY").filter(c -> Words.split(c.arguments()).getLast().equals(jar)).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": nothing copies " + jar));
        assertEquals(build.name().orElseThrow(), copy.flag("from").orElseThrow(), name + ": " + jar + " comes from the build stage");
        String workdir = build.last("WORKDIR").map(Instruction::arguments).orElse("/");
        assertEquals(workdir.replaceAll("/$", "") + "/runtime/target/" + jarName, Words.split(copy.arguments()).getFirst(),
                name + ": the copied jar is not the one the build makes");
        MavenInvocation mvn = maven(build);
        assertTrue(mvn.projects().contains("runtime") && mvn.alsoMake() && mvn.goals().contains("package"),
                name + ": the build does not package the runtime module with -am");
        assertTrue("true".equals(mvn.properties().get("skipTests")), name + ": tests belong in CI, not in the image build");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cpu", "Dockerfile.gpu"})
    void finalImageIsNonRootWithTheDemoModelWhereTheCliLooksAndLabels(String name) {
        Dockerfile file = dockerfile(name);
        Stage last = file.finalStage();
        String user = last.last("USER").orElseThrow(() -> new AssertionError(name + ": runs as root")).arguments();
        assertFalse(Set.of("root", "0").contains(user.split(":")[0]), name + ": USER " + user);
        assertTrue(last.all("RUN").anyMatch(r -> r.arguments().matches("(?s).*useradd .*\\b" + Pattern.quote(user) + "\\b.*")),
                name + ": user " + user + " is not created");

        int copyAt = -1;
        for (int i = 0; i < last.instructions().size(); i++) {
            Instruction in = last.instructions().get(i);
            if (in.is("COPY") && in.flag("from").isEmpty() && Words.split(in.arguments()).getFirst().equals("models/bamboo-demo")) copyAt = i;
        }
        assertTrue(copyAt > 0, name + ": the demo model is not copied into the image");
        Map<String, String> scope = Variables.at(file, last, copyAt);
        String home = scope.get("BAMBOO_HOME");
        assertTrue(home != null && !home.isEmpty(), name + ": BAMBOO_HOME is not set before the model is copied");
        String dest = Variables.expand(Words.split(last.instructions().get(copyAt).arguments()).getLast(), scope);
        assertEquals(home + "/models/bamboo-demo", dest.replaceAll("/$", ""), name + ": the demo model is not at $BAMBOO_HOME/models/bamboo-demo");
        assertTrue(REPO.exists("models/bamboo-demo/config.json"), "the demo model has no config.json");
        assertTrue(last.all("RUN").anyMatch(r -> r.arguments().contains("mkdir -p /models")), name + ": no /models mount point");

        Map<String, String> labels = new java.util.HashMap<>();
        for (int i = 0; i < last.instructions().size(); i++) {
            Instruction in = last.instructions().get(i);
            if (in.is("LABEL")) {
                Map<String, String> at = Variables.at(file, last, i);
                KeyValues.of(in).forEach((k, v) -> labels.put(k, Variables.expand(v, at)));
            }
        }
        assertEquals(REPO.pom("").version(), labels.get("org.opencontainers.image.version"), name + ": version label vs pom version");
        assertTrue(labels.containsKey("org.opencontainers.image.source"), name + ": no source label");
        assertTrue(labels.containsKey("org.opencontainers.image.revision"), name + ": no revision label");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.cpu", "Dockerfile.gpu"})
    void baseImagesArePinnedAndHaveJdk25OrNewer(String name) {
        Dockerfile file = dockerfile(name);
        Map<String, String> global = Variables.global(file);
        for (Stage s : file.stages()) {
            String image = Variables.expand(s.baseImage(), global);
            assertTrue(image.contains(":") && !image.endsWith(":latest"), name + ": " + image + " is not pinned to a tag");
            Matcher tornado = TORNADO_IMAGE.matcher(image);
            Matcher temurin = Pattern.compile("eclipse-temurin:(\\d+)\\.\\d+\\.\\d+_\\d+-(jdk|jre)-.+").matcher(image);
            if (tornado.matches()) assertTrue(Integer.parseInt(tornado.group(2)) >= 25, name + ": " + image + " has a JDK older than 25");
            else if (temurin.matches()) assertTrue(Integer.parseInt(temurin.group(1)) >= 25, name + ": " + image + " has a JDK older than 25");
            else fail(name + ": unexpected base image " + image);
        }
    }

    @org.junit.jupiter.api.Test
    void gpuImageCompilesAgainstTheTornadoVmOfItsBaseImage() {
        Dockerfile file = dockerfile("Dockerfile.gpu");
        Map<String, String> global = Variables.global(file);
        Set<String> versions = new LinkedHashSet<>();
        for (Stage s : file.stages()) {
            Matcher m = TORNADO_IMAGE.matcher(Variables.expand(s.baseImage(), global));
            assertTrue(m.matches(), "GPU stage " + s.label() + " is not on a beehivelab/tornadovm-nvidia-* image: " + s.baseImage());
            versions.add(m.group(3));
        }
        assertEquals(1, versions.size(), "the GPU stages use different TornadoVM releases: " + versions);
        String baseVersion = versions.iterator().next();

        Stage build = buildStage(file);
        int runAt = -1;
        for (int i = 0; i < build.instructions().size(); i++) {
            if (build.instructions().get(i).is("RUN") && MavenInvocation.in(build.instructions().get(i).arguments()).isPresent()) runAt = i;
        }
        MavenInvocation mvn = MavenInvocation.in(build.instructions().get(runAt).arguments()).orElseThrow();
        assertTrue(mvn.profiles().contains("tornadovm"), "the GPU build does not use -Ptornadovm");
        assertTrue(mvn.projects().contains("tornado-tasks"), "the GPU build does not build tornado-tasks");
        String compiled = Variables.expand(mvn.properties().getOrDefault("tornadovm.version", ""), Variables.at(file, build, runAt));
        assertEquals(baseVersion, compiled, "tornado-tasks compiles against TornadoVM " + compiled + " but the base image has " + baseVersion);
    }

    @org.junit.jupiter.api.Test
    void gpuEntrypointUsesTornadoVmsArgfileAndAutoBackend() {
        Dockerfile file = dockerfile("Dockerfile.gpu");
        Stage last = file.finalStage();
        List<String> entry = last.last("ENTRYPOINT").orElseThrow().execForm().orElseThrow();
        String argfile = entry.stream().filter(a -> a.startsWith("@")).findFirst()
                .orElseThrow(() -> new AssertionError("the GPU entrypoint does not pass TornadoVM's argfile"));
        assertTrue(argfile.endsWith("/tornado-argfile"), argfile);
        assertTrue(entry.indexOf(argfile) < entry.indexOf("-cp"), "JVM arguments must come before the main class");
        assertTrue(last.all("RUN").anyMatch(r -> r.arguments().contains("test -r " + argfile.substring(1))),
                "the image build does not check that " + argfile.substring(1) + " exists");
        String mainClass = REPO.pom("runtime").first("mainClass").orElseThrow();
        int main = entry.indexOf(mainClass);
        assertTrue(adjacent(entry.subList(main, entry.size()), "--backend", "auto"), "the GPU entrypoint does not pass --backend auto to the CLI");
        assertNotEquals(-1, entry.indexOf("-cp"));
    }

    private static Stage buildStage(Dockerfile file) {
        List<Stage> builders = new ArrayList<>();
        for (Stage s : file.stages()) {
            if (s.all("RUN").anyMatch(r -> MavenInvocation.in(r.arguments()).isPresent())) builders.add(s);
        }
        assertEquals(1, builders.size(), "expected exactly one stage that runs ./mvnw");
        assertNotEquals(file.finalStage(), builders.getFirst(), "the Maven build must not be in the final stage (multi-stage)");
        return builders.getFirst();
    }

    private static MavenInvocation maven(Stage build) {
        return build.all("RUN").map(r -> MavenInvocation.in(r.arguments())).flatMap(java.util.Optional::stream).findFirst().orElseThrow();
    }

    private static boolean adjacent(List<String> list, String a, String b) {
        for (int i = 0; i + 1 < list.size(); i++) if (list.get(i).equals(a) && list.get(i + 1).equals(b)) return true;
        return false;
    }
}
