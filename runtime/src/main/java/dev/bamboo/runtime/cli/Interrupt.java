package dev.bamboo.runtime.cli;

import sun.misc.Signal;

/** Ctrl-C during generation: the first press stops generating after the current token; a second one exits. */
final class Interrupt {
    private volatile boolean requested;

    static Interrupt install() {
        Interrupt i = new Interrupt();
        try {
            Signal.handle(new Signal("INT"), sig -> {
                if (i.requested) System.exit(130);
                i.requested = true;
            });
        } catch (IllegalArgumentException e) {
            // no SIGINT on this platform: Ctrl-C keeps its default behaviour
        }
        return i;
    }

    boolean requested() {
        return requested;
    }
}
