package dev.bamboo.weights.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads small files (prompts, tokenizer models, chat templates) whole, but no more than a limit: a file that is far
 * larger than such a file can be, or a device that never ends ({@code /dev/zero}), is told apart rather than read until
 * the heap or Java's 2 GiB array limit gives out with an error that names neither.
 */
public final class BoundedRead {
    private BoundedRead() {}

    /** The file held more than the limit; {@link #getMessage} is only a reason, the caller says which file and what to do. */
    public static final class TooLargeException extends IOException {
        private final long limit;

        TooLargeException(long limit) {
            super("more than " + limit + " bytes");
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    /** The file's bytes, if there are at most {@code limit} of them. */
    public static byte[] bytes(Path file, int limit) throws IOException {
        // a regular file says its size up front; a pipe or a device is read until it passes the limit
        if (Files.isRegularFile(file) && Files.size(file) > limit) throw new TooLargeException(limit);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] read = in.readNBytes(limit + 1);
            if (read.length > limit) throw new TooLargeException(limit);
            return read;
        }
    }

    /**
     * The file's text, if it is at most {@code limit} bytes of UTF-8; bytes that are not UTF-8 throw a
     * {@link java.nio.charset.CharacterCodingException} rather than turning into U+FFFD.
     */
    public static String text(Path file, int limit) throws IOException {
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes(file, limit))).toString();
    }

    /** A limit in MiB, as messages state it. */
    public static String mib(long limit) {
        return (limit >> 20) + " MiB";
    }
}
