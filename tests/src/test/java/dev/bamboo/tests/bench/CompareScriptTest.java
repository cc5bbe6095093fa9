package dev.bamboo.tests.bench;

import dev.bamboo.tests.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The transformers-vs-Bamboo comparison harness (bench/compare): what CI can check without PyTorch — its arguments,
 * and the message when PyTorch/transformers cannot be imported (simulated with stub packages that fail to import,
 * so the result does not depend on what the machine has installed).
 */
class CompareScriptTest {
    private static Path script;

    @TempDir Path tmp;

    private record Result(int code, String out, String err) {}

    @BeforeAll
    static void python() {
        script = Cli.root().resolve("bench/compare/compare.py");
        assumeTrue(available(), "python3 is not installed; the comparison harness needs it");
    }

    private static boolean available() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private Result run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "compare.py did not finish");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheOptions() throws Exception {
        Result r = run(Map.of(), "--help");
        assertEquals(0, r.code(), r.err());
        for (String option : List.of("MODEL_DIR", "--prompt-tokens", "--gen-tokens", "--repetitions", "--threads", "--warm-up", "--backend", "--out", "--dtype")) {
            assertTrue(r.out().contains(option), option + " in " + r.out());
        }
    }

    @Test
    void missingModelDirIsAClearError() throws Exception {
        Result r = run(Map.of(), tmp.resolve("no-such-model").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: MODEL_DIR ") && r.err().contains("is not a directory"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Result noConfig = run(Map.of(), tmp.toString());
        assertEquals(2, noConfig.code());
        assertTrue(noConfig.err().contains("has no config.json"), noConfig.err());
        Result badCount = run(Map.of(), Cli.model("bamboo-demo").toString(), "--gen-tokens", "0");
        assertEquals(2, badCount.code());
        assertTrue(badCount.err().contains("--gen-tokens"), badCount.err());
        Result badWarmUp = run(Map.of(), Cli.model("bamboo-demo").toString(), "--warm-up", "-1");
        assertEquals(2, badWarmUp.code());
        assertTrue(badWarmUp.err().contains("--warm-up"), badWarmUp.err());
    }

    @Test
    void missingTransformersSaysWhatToInstall() throws Exception {
        Path stubs = tmp.resolve("stubs");
        for (String module : List.of("torch", "transformers")) {
            Path pkg = Files.createDirectories(stubs.resolve(module));
            Files.writeString(pkg.resolve("__init__.py"), "raise ImportError('No module named " + module + " (test stub)')\n");
        }
        Result r = run(Map.of("PYTHONPATH", stubs.toString()), Cli.model("bamboo-demo").toString(), "--out", tmp.resolve("out").toString());
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("error: this comparison needs PyTorch, transformers and matplotlib"), r.err());
        assertTrue(r.err().contains("torch (ImportError") && r.err().contains("transformers (ImportError"), r.err());
        assertTrue(r.err().contains("pip install torch transformers matplotlib"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }

    /**
     * Bamboo runs before transformers, under bamboo's name of the backend: asked for TornadoVM, the real launcher of a
     * build without it fails, and its message stops the comparison before the packages that stand in for torch and
     * transformers (they import, and would fail at their first use) are used. A wrong backend name would fail on
     * bamboo's option parsing instead.
     */
    @Test
    void bambooRunsFirstAndItsFailureStops() throws Exception {
        assumeTrue(System.getenv("TORNADOVM_HOME") == null, "TornadoVM is installed: bamboo would run");
        Path stubs = tmp.resolve("stubs");
        for (String module : List.of("torch", "transformers", "matplotlib")) {
            Files.writeString(Files.createDirectories(stubs.resolve(module)).resolve("__init__.py"), "");
        }
        Result r = run(Map.of("PYTHONPATH", stubs.toString()), Cli.model("bamboo-demo").toString(), "--bamboo", Cli.root().resolve("bamboo").toString(),
                "--backend", "tornadovm", "--warm-up", "0.5", "--prompt-tokens", "4", "--gen-tokens", "2", "--out", tmp.resolve("out").toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().strip().startsWith("error: bamboo bench failed: error: --backend tornado is not available"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }

    @Test
    void launcherPassesArgumentsThrough() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Cli.root().resolve("bench/compare/run.sh").toString(), "--help").redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("usage: run.sh"), out);
    }
}
