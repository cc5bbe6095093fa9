package dev.bamboo.weights.gguf;

/**
 * The metadata value types of GGUF, with their ids and the fewest bytes one value takes in a file
 * (what bounds how many values a length field can honestly claim).
 */
public enum GGUFValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** u64 length, then UTF-8 bytes. */
    STRING(8, 8),
    /** u32 element type, u64 count, then the elements. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int minBytes;

    GGUFValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() { return id; }

    /** Bytes of one value of this type in a file; for strings and arrays the fixed part only. */
    public int minBytes() { return minBytes; }

    /** True for the integer types (of any width and signedness). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The type with this id, or null. */
    public static GGUFValueType fromId(long id) {
        for (GGUFValueType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
