package dev.bamboo.weights.io;

import dev.bamboo.weights.BambooException;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An option whose values are an enum's constants written in lower case ({@code --sparsity dense}): the one way such
 * options are read and named.
 */
public interface Choice {
    String name();

    /** The value as users write it. */
    default String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The constant of {@code type} that {@code text} names, in any case; otherwise an error such as {@code --backend
     * 'gpu' is not a backend; use auto, cpu or tornado}.
     *
     * @param what what a value is, with its article ("a backend")
     */
    static <E extends Enum<E> & Choice> E parse(Class<E> type, String option, String what, String text) {
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(text.trim())) return e;
        List<String> labels = Arrays.stream(type.getEnumConstants()).map(Choice::label).toList();
        String all = String.join(", ", labels.subList(0, labels.size() - 1)) + " or " + labels.getLast();
        throw new BambooException(option + " '" + text + "' is not " + what + "; use " + all);
    }
}
