package dev.bamboo.weights.torch;

import java.util.List;

/**
 * The Python values a pickle produces that have no natural Java counterpart. Everything else maps directly:
 * None → null, bool → Boolean, int → Long (or BigInteger when wider), float → Double, str → String,
 * bytes → byte[], list → ArrayList, dict → LinkedHashMap, set → LinkedHashSet.
 */
final class PickleValues {
    private PickleValues() {}

    /** A reference to a module-level name ({@code GLOBAL} / {@code STACK_GLOBAL}); never imported or executed. */
    record Global(String module, String name) {
        @Override public String toString() { return module + "." + name; }
    }

    /** A tuple: an unmodifiable list (it may hold nulls, so not {@code List.of}). */
    record Tuple(List<Object> items) {
        int size() { return items.size(); }
        Object get(int i) { return items.get(i); }
    }

    /** An object of a class the reader does not know: kept as data so that unrelated entries of a checkpoint do no harm. */
    record Opaque(Global type, Object args, Object state) {}
}
