package io.ctxswitch.perf;

import io.ctxswitch.core.host.ChildProcess;
import io.ctxswitch.core.spi.SourceException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The perf binary: found (--perf or PATH), and run as a child process without a shell. */
final class PerfTool {
    static final String INSTALL = "install it with 'apt-get install linux-perf' (Ubuntu: linux-tools-$(uname -r)) or name it with --perf=PATH";

    /**
     * How long perf may take to say its version: it answers at once unless something is badly wrong,
     * but a cold start on a loaded or emulated machine is slow (real bpftrace 0.17 took over 10 s in
     * the emulated 6.12-rt VM beside a CPU hog: docs/children-and-files.md).
     */
    static final Duration VERSION_LIMIT = Duration.ofSeconds(30);

    /** perf script after the end of its output: only its exit is left. */
    static final Duration SCRIPT_EXIT = Duration.ofSeconds(10);

    private final Path binary;

    private PerfTool(Path binary) {
        this.binary = binary;
    }

    /** The perf to use, or an environment error naming what is missing. */
    static PerfTool find(Path requested) throws SourceException {
        if (requested != null) {
            if (!Files.isRegularFile(requested) || !Files.isExecutable(requested)) {
                throw SourceException.environment("--perf=" + requested + " is not an executable file");
            }
            return new PerfTool(requested);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "perf");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return new PerfTool(candidate);
            }
        }
        throw SourceException.environment("perf is not installed: " + INSTALL);
    }

    Path binary() {
        return binary;
    }

    /** "perf version 6.1.192" and the like, or an environment error (Debian's perf wrapper says which package is missing). */
    String version() throws SourceException {
        try {
            ChildProcess.Outcome outcome = ChildProcess.command(binary.toString(), "--version").run(VERSION_LIMIT);
            if (!outcome.finished()) {
                throw SourceException.environment("perf does not answer: '" + binary + " --version' did not end within "
                        + VERSION_LIMIT.toSeconds() + " s; " + INSTALL);
            }
            if (outcome.status() != 0) {
                throw SourceException.environment("perf does not run: " + firstLine(outcome.output()) + "; " + INSTALL);
            }
            return firstLine(outcome.output());
        } catch (IOException e) {
            throw SourceException.environment("perf could not be started: " + e.getMessage() + "; " + INSTALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while asking perf for its version");
        }
    }

    /** perf with these arguments, ending with us if we are killed (a perf record would trace on alone). */
    ChildProcess.Builder command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        return ChildProcess.command(command);
    }

    /** perf script over a recording: switch records with nanoseconds, lost events too; its output is ours to read. */
    ChildProcess script(Path perfData) throws IOException {
        return command("script", "--ns", "--show-switch-events", "--show-lost-events", "-i", perfData.toString()).start();
    }

    /**
     * perf script reading perf record's pipe format from its standard input, which we feed while perf
     * records: its output is ours to read, as it comes.
     */
    ChildProcess scriptFromStdin() throws IOException {
        return command("script", "--ns", "--show-switch-events", "--show-lost-events", "-i", "-").stdinPipe().start();
    }

    static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
