package dev.bamboo.runtime.cli;

import dev.bamboo.weights.BambooException;
import picocli.CommandLine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** {@code bamboo <subcommand>}: the command-line entry point. */
@Command(name = "bamboo", mixinStandardHelpOptions = true, versionProvider = BambooCli.Version.class,
        description = "Inference runtime for activation-sparse LLMs.",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, LogitsCommand.class, BenchCommand.class, SynthCommand.class, CommandLine.HelpCommand.class})
public final class BambooCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; errors the user can fix are one line on stderr. */
    public static int run(String... args) {
        return run(new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true), args);
    }

    /** Runs the CLI with the given standard output and error (the tests capture them). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new BambooCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof BambooException be) {
                cmd.getErr().println("error: " + be.getMessage());
                return 1;
            }
            cmd.getErr().println("error: internal error: " + ex + " (please report it with the command that caused it)");
            return 2;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("error: " + ex.getMessage().replace('\n', ' ') + "; see 'bamboo " + (cmd.getCommandName().equals("bamboo") ? "" : cmd.getCommandName() + " ") + "--help'");
            return 2;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BambooCli.class.getPackage().getImplementationVersion();
            return new String[] {"bamboo " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
