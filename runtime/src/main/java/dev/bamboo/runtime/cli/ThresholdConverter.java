package dev.bamboo.runtime.cli;

import picocli.CommandLine;

/** {@code --sparse-threshold}, read the same way by every command: a number, or a usage error that says what to give. */
final class ThresholdConverter implements CommandLine.ITypeConverter<Double> {
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
