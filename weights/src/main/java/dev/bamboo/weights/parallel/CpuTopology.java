package dev.bamboo.weights.parallel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
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
    /** Where Linux says which CPUs this process may run on ({@code Cpus_allowed_list}: its affinity). */
    public static final Path PROC_SELF_STATUS = Path.of("/proc/self/status");

    private CpuTopology() {}

    /** The physical cores among the CPUs this process may run on; empty where the system does not say. */
    public static OptionalInt coresOfThisProcess() {
        return physicalCores(SYS_CPU, allowedCpus(PROC_SELF_STATUS));
    }

    /**
     * The number of physical cores under {@code sysCpu} (a {@link #SYS_CPU}-like folder) that have a CPU in {@code
     * allowed} (every CPU when empty); empty where the folder says nothing.
     */
    public static OptionalInt physicalCores(Path sysCpu, Optional<Set<Integer>> allowed) {
        Set<String> cores = new HashSet<>();
        try (Stream<Path> cpus = Files.list(sysCpu)) {
            for (Path cpu : (Iterable<Path>) cpus.filter(p -> p.getFileName().toString().matches("cpu\\d+"))::iterator) {
                int n = Integer.parseInt(cpu.getFileName().toString().substring(3));
                Path siblings = cpu.resolve("topology/thread_siblings_list");
                if (allowed.map(a -> a.contains(n)).orElse(true) && Files.isReadable(siblings)) {
                    cores.add(Files.readString(siblings).strip()); // an offline CPU has no topology
                }
            }
        } catch (IOException | SecurityException | NumberFormatException e) {
            return OptionalInt.empty();
        }
        return cores.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cores.size());
    }

    /** The CPUs a {@code /proc/PID/status}-like file allows; empty where it does not say. */
    public static Optional<Set<Integer>> allowedCpus(Path status) {
        try (Stream<String> lines = Files.lines(status)) {
            return lines.filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst()
                    .map(l -> cpuList(l.substring(l.indexOf(':') + 1).strip()));
        } catch (IOException | SecurityException | IllegalArgumentException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** A Linux CPU list such as {@code 0-3,64-67}. */
    static Set<Integer> cpuList(String list) {
        Set<Integer> cpus = new HashSet<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) continue;
            String[] range = part.strip().split("-");
            int first = Integer.parseInt(range[0]), last = range.length > 1 ? Integer.parseInt(range[1]) : first;
            if (range.length > 2 || last < first) throw new IllegalArgumentException("CPU list part '" + part + "'");
            for (int c = first; c <= last; c++) cpus.add(c);
        }
        return cpus;
    }
}
