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

    /** A number, or a usage error that says what to give. */
    static final class Converter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                double x = Double.parseDouble(value.trim());
                if (Float.isFinite((float) x)) return x; // the predictor compares float scores
                if (Double.isFinite(x)) throw new CommandLine.TypeConversionException("'" + value + "' is beyond the range of a float; give a value such as 0 or -0.5");
            } catch (NumberFormatException e) {
                // said below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a finite number; give a value such as 0 or -0.5");
        }
    }
}
