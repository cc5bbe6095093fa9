package dev.bamboo.tornado.graph;

import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

import java.util.Optional;

/** Whether this JVM can run TornadoVM kernels, and if not, why. */
public final class TornadoAvailability {
    private TornadoAvailability() {}

    /** Empty when TornadoVM is loaded and has at least one device; otherwise a one-line reason naming the fix. */
    public static Optional<String> unavailableReason() {
        if (System.getProperty("tornado.load.api.implementation") == null) {
            return Optional.of("this JVM was not started with TornadoVM's flags: add @$TORNADOVM_HOME/tornado-argfile to the java command (or run the tornadovm Maven profile with TORNADOVM_HOME set)");
        }
        try {
            TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
            int devices = 0;
            for (int b = 0; b < runtime.getNumBackends(); b++) {
                TornadoBackend backend = runtime.getBackend(b);
                devices += backend.getNumDevices();
            }
            if (devices == 0) {
                return Optional.of("TornadoVM found no device: install an OpenCL driver (e.g. pocl-opencl-icd) and check `tornado --devices`");
            }
            return Optional.empty();
        } catch (Throwable e) {
            return Optional.of("TornadoVM failed to start: " + e);
        }
    }
}
