package dev.bamboo.runtime.cli;

import dev.bamboo.weights.BambooException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bamboo <subcommand>}: the command-line entry point. */
@Command(name = "bamboo", mixinStandardHelpOptions = true, versionProvider = BambooCli.Version.class,
        description = "Inference runtime for activation-sparse LLMs.",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, LogitsCommand.class, CommandLine.HelpCommand.class})
public final class BambooCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; errors the user can fix are one line on stderr. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new BambooCli());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof BambooException be) {
                cmd.getErr().println("error: " + be.getMessage());
                return 1;
            }
            cmd.getErr().println("error: internal error: " + ex + " (please report it with the command that caused it)");
            return 2;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BambooCli.class.getPackage().getImplementationVersion();
            return new String[] {"bamboo " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
