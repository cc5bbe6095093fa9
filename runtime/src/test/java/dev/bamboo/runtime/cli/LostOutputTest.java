package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output that cannot be written is an error, unless its reader closed the pipe. */
class LostOutputTest {
    /** Standard output whose writes fail as a full disk's or a closed pipe's do. */
    private static OutputStream failing(String reason) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException(reason);
            }
        };
    }

    private static String[] tokenize() {
        return new String[] {"tokenize", "-m", TestData.model("bamboo-demo").toString(), "--json", "-p", "hello"};
    }

    @Test
    void aFullDiskIsAnError() {
        StringWriter err = new StringWriter();
        int code = BambooCli.run(failing("No space left on device"), new PrintWriter(err, true), tokenize());
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().startsWith("error: cannot write the output (No space left on device); make room"), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
    }

    @Test
    void aClosedPipeIsNot() {
        StringWriter err = new StringWriter();
        int code = BambooCli.run(failing("Broken pipe"), new PrintWriter(err, true), tokenize());
        assertEquals(0, code, err.toString());
        assertEquals("", err.toString());
    }

    @Test
    void picocliMessagesEndBeforeTheHint() {
        StringWriter err = new StringWriter();
        int code = BambooCli.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "help", "bogus");
        assertEquals(2, code);
        assertTrue(err.toString().contains("'bogus'; see 'bamboo"), err.toString());
    }
}
