package dev.bamboo.tests;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.cli.BambooCli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Runs the bamboo CLI in-process and captures what it prints. */
public record Cli(int exitCode, String out, String err) {

    public static Cli run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = BambooCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(code, out.toString(), err.toString());
    }

    public static Path root() {
        return TestData.root();
    }

    public static Path model(String name) {
        return TestData.model(name);
    }
}
