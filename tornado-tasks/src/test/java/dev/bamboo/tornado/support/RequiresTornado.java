package dev.bamboo.tornado.support;

import dev.bamboo.tornado.graph.TornadoAvailability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

import java.util.Optional;

/** Base of the device tests: they report "skipped" with the reason when TornadoVM or a device is missing. */
public abstract class RequiresTornado {

    @BeforeAll
    static void requireTornadoDevice() {
        Optional<String> reason = TornadoAvailability.unavailableReason();
        Assumptions.assumeTrue(reason.isEmpty(), () -> "TornadoVM unavailable: " + reason.orElse(""));
    }
}
