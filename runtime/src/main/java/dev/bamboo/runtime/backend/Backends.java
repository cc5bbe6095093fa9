package dev.bamboo.runtime.backend;

import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the accelerator backends on the class path. */
public final class Backends {
    private Backends() {}

    /** Every accelerator backend installed (none in a CPU-only build). */
    public static List<AcceleratorBackend> installed() {
        try {
            return ServiceLoader.load(AcceleratorBackend.class).stream().map(ServiceLoader.Provider::get).toList();
        } catch (ServiceConfigurationError | LinkageError e) {
            return List.of();
        }
    }

    /** The TornadoVM backend, if this build includes it. */
    public static Optional<AcceleratorBackend> tornado() {
        return installed().stream().filter(b -> b.name().equals("tornado")).findFirst();
    }

    /** Why {@code --backend tornado} cannot be used here, in words a user can act on; empty when it can. */
    public static Optional<String> tornadoUnavailable() {
        return unavailable(tornado());
    }

    /**
     * Why {@code tornado} (what {@link #tornado()} found) cannot be used, in words a user can act on; empty when it can.
     * Ask the instance that will run: each {@link #tornado()} call loads a new one, which probes its devices again.
     */
    public static Optional<String> unavailable(Optional<AcceleratorBackend> tornado) {
        if (tornado.isEmpty()) {
            return Optional.of("this Bamboo was built without TornadoVM (build with -Ptornadovm and run ./bamboo with TORNADOVM_HOME set)");
        }
        return tornado.get().unavailableReason();
    }
}
