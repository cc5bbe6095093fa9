package dev.bamboo.runtime.cli;

import picocli.CommandLine.TypeConversionException;

/**
 * The converter of every {@code float} option: a number beyond a float's range is refused in the words the user
 * typed, where {@link Float#parseFloat} would make it infinity and the option's range check would then quote
 * "Infinity".
 */
final class FloatOption {
    private FloatOption() {}

    static float parse(String text) {
        String t = text.strip();
        float value;
        try {
            value = Float.parseFloat(t);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a number");
        }
        if (Float.isInfinite(value) && !t.matches("[+-]?Infinity")) {
            throw new TypeConversionException("'" + text + "' is beyond the range of a 32-bit float (±3.4e38)");
        }
        return value;
    }
}
