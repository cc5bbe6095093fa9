package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.backend.AcceleratorBackend;
import dev.bamboo.runtime.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code bamboo devices}: the accelerators TornadoVM sees, or why there are none. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the accelerators Bamboo can use.")
final class DevicesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("cpu: Vector API engine, " + Runtime.getRuntime().availableProcessors() + " logical cores");
        List<AcceleratorBackend> backends = Backends.installed();
        if (backends.isEmpty()) {
            out.println("tornado: not available: " + Backends.tornadoUnavailable().orElse("unknown reason"));
            return 0;
        }
        for (AcceleratorBackend b : backends) {
            var reason = b.unavailableReason();
            if (reason.isPresent()) {
                out.println(b.name() + ": not available: " + reason.get());
                continue;
            }
            List<String> devices = b.devices();
            for (int i = 0; i < devices.size(); i++) out.println(b.name() + " " + i + ": " + devices.get(i));
        }
        return 0;
    }
}
