package dev.bamboo.weights.gguf;

import dev.bamboo.weights.BambooException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Reads little-endian values from a file's bytes, checking every read against the end of the file so that a truncated
 * or lying header yields a one-line error rather than an out-of-bounds exception or a huge allocation.
 */
final class HeaderCursor {
    private final MemorySegment bytes;
    private final String fileName;
    private long pos;

    HeaderCursor(MemorySegment bytes, String fileName) {
        this.bytes = bytes;
        this.fileName = fileName;
    }

    long position() { return pos; }

    long remaining() { return bytes.byteSize() - pos; }

    BambooException corrupt(String problem) {
        return GGUFErrors.error(fileName + ": " + problem + "; the file is truncated or corrupt, download or convert it again");
    }

    private void need(long n, String what) {
        if (n < 0 || n > remaining()) {
            throw corrupt("the header ends inside " + what + " (byte " + pos + " of " + bytes.byteSize() + ")");
        }
    }

    int u8(String what) {
        need(1, what);
        return bytes.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    byte i8(String what) {
        need(1, what);
        return bytes.get(ValueLayout.JAVA_BYTE, pos++);
    }

    short i16(String what) {
        need(2, what);
        short v = bytes.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos);
        pos += 2;
        return v;
    }

    int i32(String what) {
        need(4, what);
        int v = bytes.get(ValueLayout.JAVA_INT_UNALIGNED, pos);
        pos += 4;
        return v;
    }

    long u32(String what) {
        return i32(what) & 0xFFFF_FFFFL;
    }

    long i64(String what) {
        need(8, what);
        long v = bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, pos);
        pos += 8;
        return v;
    }

    float f32(String what) {
        return Float.intBitsToFloat(i32(what));
    }

    double f64(String what) {
        return Double.longBitsToDouble(i64(what));
    }

    /**
     * A count of items each taking at least {@code minItemBytes}: a count the rest of the file cannot hold is corrupt
     * (this is what keeps 2^60 tensors or array elements from being believed).
     */
    long count(String what, long minItemBytes) {
        long n = i64(what);
        if (n < 0 || n > remaining() / minItemBytes) {
            throw corrupt(what + " " + Long.toUnsignedString(n) + " is more than the " + remaining() + " remaining bytes can hold");
        }
        return n;
    }

    /** A GGUF string: u64 byte length, then UTF-8. */
    String string(String what) {
        long len = i64(what);
        if (len < 0 || len > remaining()) {
            throw corrupt(what + " claims " + Long.toUnsignedString(len) + " bytes but only " + remaining() + " remain");
        }
        if (len > Integer.MAX_VALUE - 16) throw corrupt(what + " is too long (" + len + " bytes)");
        byte[] b = bytes.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        // decoded leniently, as llama.cpp keeps raw bytes: a stray invalid byte in one token must not reject a model
        return new String(b, StandardCharsets.UTF_8);
    }
}
