package io.ctxswitch.perf;

import io.ctxswitch.core.host.ChildCommand;
import io.ctxswitch.core.spi.SourceException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The perf binary: found (--perf or PATH), and run as a child process without a shell. */
final class PerfTool {
    static final String INSTALL = "install it with 'apt-get install linux-perf' (Ubuntu: linux-tools-$(uname -r)) or name it with --perf=PATH";

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
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw SourceException.environment("perf does not run: " + firstLine(out) + "; " + INSTALL);
            }
            return firstLine(out);
        } catch (IOException e) {
            throw SourceException.environment("perf could not be started: " + e.getMessage() + "; " + INSTALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while asking perf for its version");
        }
    }

    /** perf with these arguments, ending with us if we are killed (a perf record would trace on alone). */
    ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(ChildCommand.endingWithUs(command));
    }

    /** perf script over a recording: switch records with nanoseconds, lost events too. */
    Process script(Path perfData, Path stderr) throws IOException {
        return command("script", "--ns", "--show-switch-events", "--show-lost-events", "-i", perfData.toString())
                .redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
