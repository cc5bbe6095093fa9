package dev.bamboo.runtime.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Standard output that remembers why its first write failed. A {@code PrintWriter} only says that one did; but a
 * closed pipe ({@code bamboo generate | head}) means nobody reads the rest, which is no error, while a full disk
 * ({@code > out.txt}) loses the output the user asked for, which must not end in exit code 0.
 */
final class StandardOutput extends OutputStream {
    private final OutputStream out;
    private volatile IOException failure;

    StandardOutput(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private IOException failed(IOException e) {
        if (failure == null) failure = e;
        return e;
    }

    /** The first write failure, unless it was the reader closing the pipe. */
    Optional<IOException> lostOutput() {
        IOException e = failure;
        return e == null || closedPipe(e) ? Optional.empty() : Optional.of(e);
    }

    private static boolean closedPipe(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("Broken pipe");
    }
}
