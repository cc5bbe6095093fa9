package dev.bamboo.weights.parallel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Physical cores as Linux describes them: CPUs that share a core (hyper-threads) list the same siblings in {@code
 * /sys/devices/system/cpu/cpuN/topology/thread_siblings_list}, so the distinct lists are the cores. Decode is bound
 * by memory bandwidth, which hyper-threads of one core share, so the default thread count is the core count.
 */
public final class CpuTopology {
    /** Where Linux describes the CPUs. */
    public static final Path SYS_CPU = Path.of("/sys/devices/system/cpu");

    private CpuTopology() {}

    /** The number of physical cores under {@code sysCpu} (a {@link #SYS_CPU}-like folder); empty where it says nothing. */
    public static OptionalInt physicalCores(Path sysCpu) {
        Set<String> cores = new HashSet<>();
        try (Stream<Path> cpus = Files.list(sysCpu)) {
            for (Path cpu : (Iterable<Path>) cpus.filter(p -> p.getFileName().toString().matches("cpu\\d+"))::iterator) {
                Path siblings = cpu.resolve("topology/thread_siblings_list");
                if (Files.isReadable(siblings)) cores.add(Files.readString(siblings).strip()); // an offline CPU has no topology
            }
        } catch (IOException | SecurityException e) {
            return OptionalInt.empty();
        }
        return cores.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cores.size());
    }
}
