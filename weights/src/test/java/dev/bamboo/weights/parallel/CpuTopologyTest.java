package dev.bamboo.weights.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuTopologyTest {
    @TempDir Path sys;

    private void cpu(int n, String siblings) throws IOException {
        Path topology = Files.createDirectories(sys.resolve("cpu" + n + "/topology"));
        if (siblings != null) Files.writeString(topology.resolve("thread_siblings_list"), siblings + "\n");
    }

    @Test
    void hyperThreadsOfOneCoreCountOnce() throws IOException {
        // four cores with two threads each, numbered as Linux does on x86 (cpu N and N + 4 share a core)
        for (int n = 0; n < 8; n++) cpu(n, (n % 4) + "," + (n % 4 + 4));
        Files.createDirectories(sys.resolve("cpufreq")); // not a CPU
        assertEquals(OptionalInt.of(4), CpuTopology.physicalCores(sys));
    }

    @Test
    void coresWithoutHyperThreadsAreEachACore() throws IOException {
        for (int n = 0; n < 6; n++) cpu(n, Integer.toString(n));
        cpu(6, null); // offline: no topology
        assertEquals(OptionalInt.of(6), CpuTopology.physicalCores(sys));
    }

    @Test
    void noDescriptionGivesNothing() {
        assertEquals(OptionalInt.empty(), CpuTopology.physicalCores(sys));
        assertEquals(OptionalInt.empty(), CpuTopology.physicalCores(sys.resolve("missing")));
    }

    @Test
    void theDefaultThreadCountIsWithinTheProcessors() {
        int t = ComputePool.defaultThreads();
        assertTrue(t >= 1 && t <= Runtime.getRuntime().availableProcessors(), "default threads " + t);
    }
}
