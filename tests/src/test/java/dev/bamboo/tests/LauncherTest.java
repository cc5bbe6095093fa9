package dev.bamboo.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code ./bamboo} launcher refuses a heap size the JVM cannot start with, in one line, before it builds or starts anything. */
class LauncherTest {
    @ParameterizedTest
    @ValueSource(strings = {"1m", "63m", "8", "abc", "99999999999999999999"})
    void anUnusableHeapSizeIsOneLine(String heap) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Cli.root().resolve("bamboo").toString(), "tokenize", "-p", "hi");
        pb.environment().put("BAMBOO_HEAP", heap);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not finish");
        assertEquals(1, p.exitValue(), err);
        assertEquals("", out);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: BAMBOO_HEAP=" + heap + " is not a"), err);
    }

    /** Under LANG=C the JVM would decode a non-ASCII -p as replacement characters; the launcher runs it in a UTF-8 locale. */
    @Test
    void aNonAsciiPromptSurvivesTheCLocale() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Cli.root().resolve("bamboo").toString(), "tokenize", "--json", "-p", "é");
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher did not finish");
        Cli expected = Cli.run("tokenize", "--json", "-p", "é");
        assertEquals(0, p.exitValue());
        assertEquals(expected.out().strip(), out);
    }
}
