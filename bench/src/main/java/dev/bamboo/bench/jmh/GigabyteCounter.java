package dev.bamboo.bench.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The secondary result {@code gb} of the bandwidth-style benchmarks: each call adds the gigabytes (1e9 bytes) it read,
 * so JMH reports GB/s, the decode roofline's unit.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class GigabyteCounter {
    public double gb;

    @Setup(Level.Iteration)
    public void reset() {
        gb = 0;
    }
}
