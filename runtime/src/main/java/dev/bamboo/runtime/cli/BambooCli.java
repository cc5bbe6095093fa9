package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.backend.BackendChoice;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.IoErrors;
import dev.bamboo.weights.io.MessageText;
import picocli.CommandLine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code bamboo <subcommand>}: the command-line entry point. */
@Command(name = "bamboo", mixinStandardHelpOptions = true, versionProvider = BambooCli.Version.class,
        description = "Inference runtime for activation-sparse LLMs.",
        subcommands = {GenerateCommand.class, ChatCommand.class, InfoCommand.class, TokenizeCommand.class, LogitsCommand.class, PerplexityCommand.class, TrainPredictorCommand.class,
                BenchCommand.class, SynthCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class})
public final class BambooCli {

    // converted when the command line is read, so every command refuses a wrong value, also those that run no model
    @Option(names = "--backend", scope = ScopeType.INHERIT, paramLabel = "NAME", defaultValue = "auto", converter = BackendConverter.class,
            description = "auto (TornadoVM when present with a device, else CPU), cpu, tornado (default: auto)")
    BackendChoice backend;

    @Option(names = "--device", scope = ScopeType.INHERIT, paramLabel = "N", defaultValue = "-1", converter = DeviceConverter.class,
            description = "accelerator index from 'bamboo devices' (default: the backend's first)")
    int device;

    static final class BackendConverter implements CommandLine.ITypeConverter<BackendChoice> {
        @Override
        public BackendChoice convert(String value) {
            try {
                return BackendChoice.parse(value);
            } catch (BambooException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a backend; use auto, cpu or tornado");
            }
        }
    }

    static final class DeviceConverter implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= -1) return n;
            } catch (NumberFormatException ignored) {
                // the message below says what a device index is
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a device index; use a number from 'bamboo devices' (-1 = the first)");
        }
    }

    /** The top-level command of {@code spec}'s command line, holding the global options (--backend, --device). */
    static BambooCli root(CommandLine.Model.CommandSpec spec) {
        CommandLine.Model.CommandSpec s = spec;
        while (s.parent() != null) s = s.parent();
        return (BambooCli) s.userObject();
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; errors the user can fix are one line on stderr. */
    public static int run(String... args) {
        return run(new FileOutputStream(FileDescriptor.out), new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true), args);
    }

    /**
     * Runs the CLI writing its output to {@code stdout}: output lost to a failed write (a full disk; not a pipe its
     * reader closed) is an error even when the command itself succeeded.
     */
    static int run(OutputStream stdout, PrintWriter err, String... args) {
        StandardOutput out = new StandardOutput(stdout);
        int code = run(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true), err, args);
        Optional<IOException> lost = out.lostOutput();
        if (lost.isEmpty()) return code;
        err.println("error: cannot write the output (" + MessageText.oneLine(IoErrors.reason(lost.get())) + "); make room on the disk or write it elsewhere");
        err.flush();
        return code == 0 ? 1 : code;
    }

    /** Runs the CLI with the given standard output and error (the tests capture them). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new BambooCli());
        cli.registerConverter(Float.class, FloatOption::parse);
        cli.registerConverter(float.class, FloatOption::parse);
        // every command's -V prints the version (picocli gives subcommands no provider of their own)
        for (CommandLine sub : cli.getSubcommands().values()) sub.getCommandSpec().versionProvider(new Version());
        // an option's value is the argument after it, as getopt and llama.cpp take it: -p "-t is a flag" is a prompt
        cli.setAllowOptionsAsOptionParameters(true);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof BambooException be) {
                cmd.getErr().println("error: " + MessageText.oneLine(be.getMessage()));
                return 1;
            }
            cmd.getErr().println("error: internal error: " + MessageText.oneLine(String.valueOf(ex)) + " (please report it with the command that caused it)");
            return 2;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            String message = ex.getMessage().strip().replace('\n', ' ');
            if (message.endsWith(".")) message = message.substring(0, message.length() - 1); // picocli ends its sentences
            cmd.getErr().println("error: " + MessageText.oneLine(message) + "; see 'bamboo " + (cmd.getCommandName().equals("bamboo") ? "" : cmd.getCommandName() + " ") + "--help'");
            return 2;
        });
        int code;
        try {
            code = cli.execute(args);
        } catch (OutOfMemoryError e) {
            err.println(outOfMemory(e, Runtime.getRuntime().maxMemory()));
            code = 1;
        }
        out.flush();
        err.flush();
        return code;
    }

    /**
     * The one line for an {@link OutOfMemoryError}: a heap that is full asks for twice the heap (at least 16g) or a
     * smaller context; an array beyond Java's limit (an input of 2 GiB or more) is no matter of heap size.
     */
    static String outOfMemory(OutOfMemoryError e, long maxHeap) {
        String why = e.getMessage() == null ? "" : e.getMessage();
        if (why.contains("array size")) {
            return "error: an input is larger than Java can hold in one array (2 GiB): check the files and prompt given; no heap size helps";
        }
        long suggested = Math.max(16, ((maxHeap >> 30) + 1) * 2);
        return "error: the Java heap is full (" + (maxHeap >> 20) + " MiB): give the JVM more (./bamboo: BAMBOO_HEAP=" + suggested
                + "g; java: -Xmx" + suggested + "g) or use a smaller context (-c)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BambooCli.class.getPackage().getImplementationVersion();
            return new String[] {"bamboo " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
