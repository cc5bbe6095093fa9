package dev.bamboo.tornado.support;

import dev.bamboo.tornado.graph.TornadoAvailability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

import java.util.Optional;

/**
 * Base of the device tests: each test reports "skipped" with the reason when TornadoVM or a device is missing
 * (checked per test, not per class, so that Surefire counts and names every skipped test).
 */
public abstract class RequiresTornado {
    private static Optional<String> unavailable;

    @BeforeEach
    void requireTornadoDevice() {
        Optional<String> reason = probe();
        Assumptions.assumeTrue(reason.isEmpty(), () -> "TornadoVM unavailable: " + reason.orElse(""));
    }

    private static synchronized Optional<String> probe() {
        if (unavailable == null) unavailable = TornadoAvailability.unavailableReason();
        return unavailable;
    }
}
