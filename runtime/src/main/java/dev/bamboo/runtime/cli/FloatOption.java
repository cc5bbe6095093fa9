package dev.bamboo.runtime.cli;

import picocli.CommandLine.TypeConversionException;

/**
 * The converter of every {@code float} option, and the parsing {@link SparseThresholdOption} builds on: a number
 * beyond a float's range is refused in the words the user typed, where {@link Float#parseFloat} would make it
 * infinity and the option's range check would then quote "Infinity". A written infinity or NaN passes, for the
 * option's own check to refuse.
 */
final class FloatOption {
    private FloatOption() {}

    static float parse(String text) {
        double value;
        try {
            value = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a finite number");
        }
        if (Double.isFinite(value) && !Float.isFinite((float) value)) {
            throw new TypeConversionException("'" + text + "' is beyond the range of a float (±3.4e38)");
        }
        return (float) value;
    }
}
