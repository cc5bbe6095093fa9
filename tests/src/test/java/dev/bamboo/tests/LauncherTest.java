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

    /**
     * Bytes that are not UTF-8 in -p (a Latin-1 "café") reach Java as U+FFFD in a UTF-8 locale: refused as -f refuses
     * them in a file, not tokenized as replacement characters; a U+FFFD written in UTF-8 is text like any other.
     */
    @Test
    void aPromptThatIsNotUtf8IsRefused() throws Exception {
        String launcher = Cli.root().resolve("bamboo").toString();
        ProcessBuilder latin1 = new ProcessBuilder("bash", "-c", "exec \"$0\" tokenize --json -p \"$(printf 'caf\\351')\"", launcher);
        Process p = latin1.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher did not finish");
        assertEquals(1, p.exitValue(), err);
        assertEquals("", out);
        assertTrue(err.lines().anyMatch(l -> l.equals("error: -p: the text is not UTF-8 (bytes that are no UTF-8 character reached Java as U+FFFD); "
                + "give it in UTF-8, e.g. converted with iconv")), err);
        ProcessBuilder replacement = new ProcessBuilder("bash", launcher, "tokenize", "--json", "-p", "caf\uFFFD");
        replacement.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process q = replacement.start();
        q.getOutputStream().close();
        String ids = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(q.waitFor(120, TimeUnit.SECONDS), "the launcher did not finish");
        assertEquals(0, q.exitValue());
        assertEquals(Cli.run("tokenize", "--json", "-p", "caf\uFFFD").out().strip(), ids);
    }
}
