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
    private record Run(int exitCode, String out, String err) {}

    /**
     * Starts the process with stdin closed and waits up to two minutes for it. Its stderr goes through a file: the
     * launcher may build first, and a build's output filling the pipe while stdout is read would block both.
     */
    private static Run run(ProcessBuilder pb) throws Exception {
        java.nio.file.Path errFile = java.nio.file.Files.createTempFile("launcher", ".err");
        try {
            pb.redirectError(errFile.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher did not finish");
            return new Run(p.exitValue(), out, java.nio.file.Files.readString(errFile));
        } finally {
            java.nio.file.Files.deleteIfExists(errFile);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1m", "63m", "8", "abc", "99999999999999999999"})
    void anUnusableHeapSizeIsOneLine(String heap) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Cli.root().resolve("bamboo").toString(), "tokenize", "-p", "hi");
        pb.environment().put("BAMBOO_HEAP", heap);
        Run r = run(pb);
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: BAMBOO_HEAP=" + heap + " is not a"), r.err());
    }

    /** More heap than the machine has cannot help, and some such sizes the JVM cannot reserve: refused, where Linux tells the size. */
    @Test
    void aHeapLargerThanTheMachineIsOneLine() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/meminfo")), "Linux's /proc/meminfo");
        ProcessBuilder pb = new ProcessBuilder("bash", Cli.root().resolve("bamboo").toString(), "tokenize", "-p", "hi");
        pb.environment().put("BAMBOO_HEAP", "100000g");
        Run r = run(pb);
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: BAMBOO_HEAP=100000g is more than this machine's memory (") && r.err().contains("such as BAMBOO_HEAP="), r.err());
    }

    /** Under LANG=C the JVM would decode a non-ASCII -p as replacement characters; the launcher runs it in a UTF-8 locale. */
    @Test
    void aNonAsciiPromptSurvivesTheCLocale() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Cli.root().resolve("bamboo").toString(), "tokenize", "--json", "-p", "é");
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        Run r = run(pb);
        Cli expected = Cli.run("tokenize", "--json", "-p", "é");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(expected.out().strip(), r.out().strip());
    }

    /**
     * Bytes that are not UTF-8 in -p (a Latin-1 "café") reach Java as U+FFFD in a UTF-8 locale: refused as -f refuses
     * them in a file, not tokenized as replacement characters; a U+FFFD written in UTF-8 is text like any other.
     */
    @Test
    void aPromptThatIsNotUtf8IsRefused() throws Exception {
        String launcher = Cli.root().resolve("bamboo").toString();
        Run latin1 = run(new ProcessBuilder("bash", "-c", "exec \"$0\" tokenize --json -p \"$(printf 'caf\\351')\"", launcher));
        assertEquals(1, latin1.exitCode(), latin1.err());
        assertEquals("", latin1.out());
        assertTrue(latin1.err().lines().anyMatch(l -> l.equals("error: -p: the text is not UTF-8 (bytes that are no UTF-8 character reached Java as U+FFFD); "
                + "give it in UTF-8, e.g. converted with iconv")), latin1.err());
        Run replacement = run(new ProcessBuilder("bash", launcher, "tokenize", "--json", "-p", "caf\uFFFD"));
        assertEquals(0, replacement.exitCode(), replacement.err());
        assertEquals(Cli.run("tokenize", "--json", "-p", "caf\uFFFD").out().strip(), replacement.out().strip());
    }
}
