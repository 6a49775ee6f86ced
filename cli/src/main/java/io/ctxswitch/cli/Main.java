package io.ctxswitch.cli;

import io.ctxswitch.core.spi.SourceException;
import java.io.PrintStream;
import picocli.CommandLine;

/**
 * The entry point: parses the command line (picocli), which then wires the backends ({@link Backends}),
 * and turns every expected failure into one line on stderr and its exit code (docs/spi.md, "Errors
 * and exit codes"). A stack trace is printed only for an unexpected error, and only with
 * CTXSWITCH_DEBUG=1.
 */
public final class Main {
    /**
     * JNA reports trouble with its temporary files through java.util.logging, stack trace included.
     * Users get our one-line errors instead; held here because JUL forgets levels of unreferenced loggers.
     */
    private static final java.util.logging.Logger JNA_LOG = java.util.logging.Logger.getLogger("com.sun.jna");

    private Main() {
    }

    public static void main(String[] args) {
        JNA_LOG.setLevel(java.util.logging.Level.OFF);
        // Guice for a few bindings, once per run, without its costlier defaults: generating bytecode for
        // fast construction (several classes defined at run time, which no class-data archive holds)
        // and a stack walk for every binding's source (only error messages use them).
        System.setProperty("guice_bytecode_gen_option", System.getProperty("guice_bytecode_gen_option", "DISABLED"));
        System.setProperty("guice_include_stack_traces", System.getProperty("guice_include_stack_traces", "OFF"));
        System.exit(run(args, System.out, System.err, System.console() != null));
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        CommandLine cli = new CommandLine(new CtxswitchCommand(out, err, terminal))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, argv) -> {
            err.println("ctxswitch: " + e.getMessage());
            err.println("Try 'ctxswitch --help' for more information.");
            return CommandLine.ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CtxswitchCommand.OneLineUsageError) {
                err.println("ctxswitch: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            if (e instanceof SourceException se) {
                err.println("ctxswitch: " + se.getMessage());
                if (se.detail() != null) {
                    err.println(se.detail());
                }
                return se.kind().exitCode();
            }
            err.println("ctxswitch: unexpected error: " + e);
            if ("1".equals(System.getenv("CTXSWITCH_DEBUG"))) {
                e.printStackTrace(err);
            } else {
                err.println("  (run with CTXSWITCH_DEBUG=1 for details, and please report it)");
            }
            return 1;
        });
        return cli.execute(args);
    }

    /** The backends' trace formats, and our own JSON output (its heat map), asked first: it is recognised by its first bytes. */
}
