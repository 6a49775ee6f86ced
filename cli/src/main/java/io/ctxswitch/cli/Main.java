package io.ctxswitch.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.TypeLiteral;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.bpftrace.BpftraceModule;
import io.ctxswitch.libbpf.LibbpfModule;
import io.ctxswitch.perf.PerfModule;
import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine;

/**
 * The entry point: wires the backends (Guice, a map by name), parses the command line (picocli),
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
        System.exit(run(args, System.out, System.err, System.console() != null));
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        Injector injector = Guice.createInjector(new LibbpfModule(), new BpftraceModule(), new PerfModule());
        Map<String, Provider<LatencySource>> backends =
                injector.getInstance(Key.get(new TypeLiteral<Map<String, Provider<LatencySource>>>() { }));
        java.util.Set<ReplayFormat> formats = injector.getInstance(Key.get(new TypeLiteral<java.util.Set<ReplayFormat>>() { }));
        CommandLine cli = new CommandLine(new CtxswitchCommand(backends, new ReplayOpener(withOurJson(formats)), out, err, terminal))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, argv) -> {
            err.println("ctxswitch: " + e.getMessage());
            err.println("Try 'ctxswitch --help' for more information.");
            return CommandLine.ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
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
    private static java.util.List<ReplayFormat> withOurJson(java.util.Set<ReplayFormat> formats) {
        java.util.List<ReplayFormat> all = new java.util.ArrayList<>();
        all.add(new io.ctxswitch.core.report.heatmap.JsonReportReplay.Format());
        all.addAll(formats);
        return all;
    }
}
