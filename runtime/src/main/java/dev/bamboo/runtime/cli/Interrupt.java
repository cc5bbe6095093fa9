package dev.bamboo.runtime.cli;

import sun.misc.Signal;

/**
 * Ctrl-C, as llama.cpp takes it: during a generation the first press stops it after the current token and a second
 * one exits; outside a generation (loading, or a chat waiting for input) a press exits. Exits use status 130, the
 * shell's code for a process ended by SIGINT.
 */
final class Interrupt {
    static final int EXIT_CODE = 130;

    private volatile boolean generating;
    private volatile boolean requested;

    static Interrupt install() {
        Interrupt i = new Interrupt();
        try {
            Signal.handle(new Signal("INT"), sig -> {
                if (!i.generating || i.requested) {
                    System.err.println(); // the shell's prompt goes on a line of its own, not after "> " or a partial reply
                    System.exit(EXIT_CODE);
                }
                i.requested = true;
            });
        } catch (IllegalArgumentException e) {
            // no SIGINT on this platform: Ctrl-C keeps its default behaviour
        }
        return i;
    }

    /** A generation starts: the next Ctrl-C stops it (an earlier press, for an earlier generation, no longer counts). */
    void generationStarts() {
        requested = false;
        generating = true;
    }

    /** The generation is over: a Ctrl-C now exits. */
    void generationEnds() {
        generating = false;
    }

    boolean requested() {
        return requested;
    }
}
