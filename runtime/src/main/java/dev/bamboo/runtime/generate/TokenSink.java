package dev.bamboo.runtime.generate;

/** Receives generated tokens as they come. */
@FunctionalInterface
public interface TokenSink {
    /** Called for each generated token; return false to stop generating. */
    boolean accept(int token);
}
