package io.ctxswitch.bpftrace;

import io.ctxswitch.core.host.ChildProcess;
import io.ctxswitch.core.spi.SourceException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The bpftrace binary: found (--bpftrace or PATH) and asked for its version, without a shell. */
final class BpftraceTool {
    static final String INSTALL = "install it with 'apt-get install bpftrace' or name it with --bpftrace=PATH";

    /**
     * How long bpftrace may take to say its version: it answers at once unless something is badly wrong,
     * but a cold start on a loaded or emulated machine is slow (real bpftrace 0.17 took over 10 s in
     * the emulated 6.12-rt VM beside a CPU hog: docs/children-and-files.md).
     */
    static final Duration VERSION_LIMIT = Duration.ofSeconds(30);
    /** --info loads probe programs to see what works: longer, above all under emulation (the 6.1 VM). */
    private static final Duration INFO_LIMIT = Duration.ofSeconds(60);

    private final Path binary;
    private final BpftraceVersion version;

    private BpftraceTool(Path binary, BpftraceVersion version) {
        this.binary = binary;
        this.version = version;
    }

    /** The bpftrace to use and its version, or an environment error naming what is missing. */
    static BpftraceTool find(Path requested) throws SourceException {
        Path binary = requested != null ? requested : onPath();
        if (requested != null && (!Files.isRegularFile(requested) || !Files.isExecutable(requested))) {
            throw SourceException.environment("--bpftrace=" + requested + " is not an executable file");
        }
        if (binary == null) {
            throw SourceException.environment("bpftrace is not installed: " + INSTALL);
        }
        String output;
        try {
            ChildProcess.Outcome outcome = ChildProcess.command(binary.toString(), "--version").run(VERSION_LIMIT);
            if (!outcome.finished()) {
                throw SourceException.environment("bpftrace does not answer: '" + binary + " --version' did not end within "
                        + VERSION_LIMIT.toSeconds() + " s; " + INSTALL);
            }
            output = outcome.output().strip();
            if (outcome.status() != 0) {
                throw SourceException.environment(binary + " --version failed: " + firstLine(output) + "; " + INSTALL);
            }
        } catch (IOException e) {
            throw SourceException.environment("bpftrace could not be started: " + e.getMessage() + "; " + INSTALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while asking bpftrace for its version");
        }
        BpftraceVersion version = BpftraceVersion.parse(output);
        if (version == null) {
            throw SourceException.environment(binary + " does not say its version (it said '" + firstLine(output) + "')");
        }
        if (!version.atLeast(BpftraceVersion.OLDEST)) {
            throw SourceException.environment("bpftrace " + version + " is too old: the bpftrace backend needs "
                    + BpftraceVersion.OLDEST + " or later");
        }
        return new BpftraceTool(binary, version);
    }

    private static Path onPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "bpftrace");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    Path binary() {
        return binary;
    }

    BpftraceVersion version() {
        return version;
    }

    private static final java.util.regex.Pattern FENTRY_INFO = java.util.regex.Pattern.compile("\\b(?:kfunc|fentry):\\s*(yes|no)\\b");

    /**
     * Whether {@code bpftrace --info} says fentry works on this kernel ("kfunc: yes" up to 0.19,
     * "fentry: yes" after). bpftrace finds out by loading a probe program; BTF alone does not say
     * (this machine has BTF and refuses fentry). True when --info says nothing either way.
     */
    boolean fentrySupported() {
        try {
            ChildProcess.Outcome info = ChildProcess.command(binary.toString(), "--info").run(INFO_LIMIT);
            return !info.finished() || fentrySupported(info.output());
        } catch (IOException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** From --info's text: a pure function, tested on real output of 0.17 and 0.23. */
    static boolean fentrySupported(String info) {
        java.util.regex.Matcher m = FENTRY_INFO.matcher(info);
        return !m.find() || m.group(1).equals("yes");
    }

    static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
