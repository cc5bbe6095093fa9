package dev.bamboo.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.OptionalDouble;

/** {@code --sparse-threshold}, the same option for every command that runs a predictor. */
final class SparseThresholdOption {
    @Option(names = "--sparse-threshold", paramLabel = "X", converter = Converter.class,
            description = "predictor threshold: neuron runs iff score >= X (default: the model's)")
    Double threshold;

    /** The threshold given, or empty for the model's own. */
    OptionalDouble value() {
        return threshold == null ? OptionalDouble.empty() : OptionalDouble.of(threshold);
    }

    /** A finite float ({@link FloatOption}), or a usage error that says what to give. */
    static final class Converter implements CommandLine.ITypeConverter<Double> {
        private static final String FIX = "; give a value such as 0 or -0.5";

        @Override
        public Double convert(String value) {
            float x;
            try {
                x = FloatOption.parse(value); // the predictor compares float scores
            } catch (CommandLine.TypeConversionException e) {
                throw new CommandLine.TypeConversionException(e.getMessage() + FIX);
            }
            if (!Float.isFinite(x)) throw new CommandLine.TypeConversionException("'" + value + "' is not a finite number" + FIX);
            return (double) x;
        }
    }
}
