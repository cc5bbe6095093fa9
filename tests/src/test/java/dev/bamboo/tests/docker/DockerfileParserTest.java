package dev.bamboo.tests.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The small Dockerfile and .dockerignore readers, on texts whose Docker reading is known. */
class DockerfileParserTest {

    @Test
    void joinsContinuationsDropsCommentsInsideThemAndReadsFlagsAndStages() {
        Dockerfile f = DockerfileParser.parse("""
                # syntax=docker/dockerfile:1
                ARG V=1.2.3
                FROM img:${V} AS build
                RUN --mount=type=cache,target=/root/.m2 \\
                # a comment inside the continuation is dropped
                    echo one \\
                    two
                FROM base:2
                COPY --from=build /a/b.jar /opt/b.jar
                ENTRYPOINT ["java", "-jar", "/opt/b.jar"]
                """);
        assertEquals(Map.of("syntax", "docker/dockerfile:1"), f.directives());
        assertEquals(2, f.stages().size());
        assertEquals(Optional.of("build"), f.stages().get(0).name());
        Instruction run = f.stages().get(0).instructions().get(1);
        assertEquals("RUN", run.keyword());
        assertEquals(Optional.of("type=cache,target=/root/.m2"), run.flag("mount"));
        assertEquals("echo one two", run.arguments().replaceAll("\\s+", " "));
        assertEquals(4, run.line());
        assertEquals("img:1.2.3", Variables.expand(f.stages().get(0).baseImage(), Variables.global(f)));
        assertEquals(Optional.of("build"), f.finalStage().all("COPY").findFirst().orElseThrow().flag("from"));
        assertEquals(List.of("java", "-jar", "/opt/b.jar"), f.finalStage().last("ENTRYPOINT").orElseThrow().execForm().orElseThrow());
    }

    @Test
    void honoursTheEscapeDirective() {
        Dockerfile f = DockerfileParser.parse("# escape=`\nFROM x\nRUN echo a `\n  b\n");
        assertEquals("echo a b", f.finalStage().instructions().get(1).arguments().replaceAll("\\s+", " "));
    }

    @Test
    void rejectsWhatDockerWouldRejectOrMisread() {
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nRUNN echo\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("RUN echo\nFROM x\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nCMD ['a', 'b']\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nENTRYPOINT [\"a\",]\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nCOPY a b c\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nCOPY a\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nCOPY --form=y a b\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nCOPY --from=nowhere a b\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x AS a\nCOPY --from=b /x /y\nFROM y AS b\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nUSER a b\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nLABEL novalue\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nEXPOSE http\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nRUN echo \\\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x AS a\nFROM y AS a\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nRUN <<EOF\necho\nEOF\n"));
        assertThrows(DockerfileSyntaxError.class, () -> DockerfileParser.parse("FROM x\nMAINTAINER me\n"));
    }

    @Test
    void scopesArgsLikeDocker() {
        Dockerfile f = DockerfileParser.parse("""
                ARG V=7
                FROM img:${V}
                RUN echo before
                ARG V
                ENV HOME_DIR=/opt/${V}
                RUN echo after
                """);
        Stage s = f.finalStage();
        // A global ARG is not visible in a stage until it is declared there again.
        assertEquals("", Variables.expand("${V}", Variables.at(f, s, 1)));
        assertEquals("7", Variables.expand("${V}", Variables.at(f, s, 5)));
        assertEquals("/opt/7", Variables.expand("$HOME_DIR", Variables.at(f, s, 5)));
        assertEquals("d", Variables.expand("${UNSET:-d}", Map.of()));
    }

    @Test
    void readsMavenCommands() {
        MavenInvocation m = MavenInvocation.in("./mvnw -B -Ptornadovm -Dtornadovm.version=7.2.0 -pl runtime,tornado-tasks -am package && test -f x").orElseThrow();
        assertEquals(List.of("runtime", "tornado-tasks"), m.projects());
        assertTrue(m.alsoMake());
        assertEquals(List.of("tornadovm"), m.profiles());
        assertEquals("7.2.0", m.properties().get("tornadovm.version"));
        assertEquals(List.of("package"), m.goals());
    }

    @Test
    void matchesDockerignoreLikeDocker() {
        DockerIgnore ignore = DockerIgnore.parse("""
                # comment
                .git
                **/target
                /testdata
                models/*
                !models/demo
                *.md
                """);
        assertTrue(ignore.excludes(".git/config"));
        assertTrue(ignore.excludes("target/x.jar"));
        assertTrue(ignore.excludes("runtime/target/bamboo.jar"));
        assertTrue(ignore.excludes("testdata/tiny/model.safetensors"));
        assertTrue(ignore.excludes("models/other/config.json"));
        assertFalse(ignore.excludes("models/demo/config.json"));
        assertTrue(ignore.excludes("README.md"));
        // '*' stays within one path element: a nested .md file is not matched by a root pattern.
        assertFalse(ignore.excludes("docs/README.md"));
        assertFalse(ignore.excludes("runtime/src/main/java/A.java"));
        assertFalse(ignore.excludes("pom.xml"));
    }
}
