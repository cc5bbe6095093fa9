package dev.bamboo.runtime;

import dev.bamboo.runtime.cli.BambooCli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the bamboo CLI in-process and captures its output (tests). */
public record CliRun(int exitCode, String out, String err) {
    public static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = BambooCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** A failure the user can fix: exit 1 (bad input) or 2 (a usage error) and exactly one line on stderr starting with "error: ". */
    public boolean isOneLineError() {
        return (exitCode == 1 || exitCode == 2) && err.startsWith("error: ") && err.strip().lines().count() == 1;
    }
}
