package dev.bamboo.weights.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
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
        assertEquals(OptionalInt.of(4), CpuTopology.physicalCores(sys, Optional.empty()));
    }

    @Test
    void coresWithoutHyperThreadsAreEachACore() throws IOException {
        for (int n = 0; n < 6; n++) cpu(n, Integer.toString(n));
        cpu(6, null); // offline: no topology
        assertEquals(OptionalInt.of(6), CpuTopology.physicalCores(sys, Optional.empty()));
    }

    @Test
    void onlyTheCoresOfAllowedCpusCount() throws IOException {
        for (int n = 0; n < 8; n++) cpu(n, (n % 4) + "," + (n % 4 + 4));
        // taskset -c 0-1,4-5: two cores, both of their threads
        assertEquals(OptionalInt.of(2), CpuTopology.physicalCores(sys, Optional.of(Set.of(0, 1, 4, 5))));
        Path status = Files.writeString(sys.resolve("status"), "Name:\tjava\nCpus_allowed:\t33\nCpus_allowed_list:\t0-1,4-5\nMems_allowed:\t1\n");
        assertEquals(Optional.of(Set.of(0, 1, 4, 5)), CpuTopology.allowedCpus(status));
        assertEquals(Set.of(0, 2, 3, 4, 9), CpuTopology.cpuList("0,2-4,9"));
        assertEquals(Optional.empty(), CpuTopology.allowedCpus(sys.resolve("no-status")));
    }

    @Test
    void noDescriptionGivesNothing() {
        assertEquals(OptionalInt.empty(), CpuTopology.physicalCores(sys, Optional.empty()));
        assertEquals(OptionalInt.empty(), CpuTopology.physicalCores(sys.resolve("missing"), Optional.empty()));
    }

    @Test
    void theDefaultThreadCountIsWithinTheProcessors() {
        int t = ComputePool.defaultThreads();
        assertTrue(t >= 1 && t <= Runtime.getRuntime().availableProcessors(), "default threads " + t);
    }
}
