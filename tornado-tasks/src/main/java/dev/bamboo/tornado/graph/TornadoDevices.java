package dev.bamboo.tornado.graph;

import dev.bamboo.weights.BambooException;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * TornadoVM's devices as one list, backends in TornadoVM's order (index 0 is TornadoVM's default device): the
 * numbering of {@code bamboo devices} and {@code --device}.
 */
public final class TornadoDevices {
    private TornadoDevices() {}

    public static List<TornadoDevice> all() {
        TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
        List<TornadoDevice> devices = new ArrayList<>();
        for (int b = 0; b < runtime.getNumBackends(); b++) {
            TornadoBackend backend = runtime.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) devices.add(backend.getDevice(d));
        }
        return devices;
    }

    /** Device {@code index} of {@link #all()}, or TornadoVM's default device for -1. */
    public static TornadoDevice pick(int index) {
        List<TornadoDevice> devices = all();
        if (devices.isEmpty()) throw new BambooException("TornadoVM found no device: install an OpenCL driver and check `bamboo devices`");
        if (index == -1) return devices.getFirst();
        if (index < 0 || index >= devices.size()) {
            throw new BambooException("--device " + index + " does not exist: TornadoVM has " + devices.size() + " device(s), 0 to " + (devices.size() - 1) + " (see `bamboo devices`)");
        }
        return devices.get(index);
    }

    /** One line: backend, name, memory. */
    public static String describe(TornadoDevice d) {
        return String.format(Locale.ROOT, "%s %s (%s), %.1f GiB global memory, max allocation %.1f GiB",
                d.getTornadoVMBackend().name().toLowerCase(Locale.ROOT), d.getPhysicalDevice().getDeviceName(),
                d.getPlatformName(), d.getMaxGlobalMemory() / (double) (1L << 30), d.getMaxAllocMemory() / (double) (1L << 30));
    }
}
