package io.ctxswitch.cli;

import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * --replay: opens the file (or standard input for "-"), reads its first 64 KiB, and hands it to the
 * first format that recognises it. Everything that is not a readable trace is an input error (exit 4).
 */
final class ReplayOpener {
    static final int HEAD = 1 << 16;

    private final List<ReplayFormat> formats;

    ReplayOpener(Collection<ReplayFormat> formats) {
        this.formats = new ArrayList<>(formats);
    }

    /** The replaying source and the format's name. */
    record Opened(LatencySource source, String format) {
    }

    Opened open(String file, TraceOptions options, InputStream stdin) throws SourceException {
        String name = "-".equals(file) ? "standard input" : file;
        InputStream raw = "-".equals(file) ? stdin : openFile(Path.of(file));
        BufferedInputStream in = new BufferedInputStream(raw, HEAD);
        byte[] head = new byte[HEAD];
        int length;
        try {
            in.mark(HEAD);
            length = in.readNBytes(head, 0, HEAD);
            in.reset();
        } catch (IOException e) {
            closeQuietly(in);
            throw SourceException.input("cannot read " + name + ": " + e.getMessage());
        }
        if (length == 0) {
            closeQuietly(in);
            throw SourceException.input(name + " is empty");
        }
        for (ReplayFormat format : formats) {
            if (format.recognises(head, length)) {
                return new Opened(format.replay(in, name, options), format.name());
            }
        }
        closeQuietly(in);
        throw SourceException.input(name + " is not a trace ctxswitch can read (expected "
                + formats.stream().map(ReplayFormat::name).collect(Collectors.joining(" or "))
                + "; perf: record with 'perf record -a --switch-events -e sched:sched_switch' and print with"
                + " 'perf script --ns --show-switch-events')");
    }

    private static InputStream openFile(Path path) throws SourceException {
        if (Files.isDirectory(path)) {
            throw SourceException.input(path + " is a directory, not a trace");
        }
        try {
            return Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            throw SourceException.input(path + " does not exist");
        } catch (AccessDeniedException e) {
            throw SourceException.input(path + " cannot be read: permission denied");
        } catch (IOException e) {
            throw SourceException.input("cannot open " + path + ": " + e.getMessage());
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
