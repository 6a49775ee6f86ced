package io.ctxswitch.cli;

import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * --replay: opens the file (or standard input for "-") and hands it to the first format that
 * recognises a window of it ({@link HeadWindow}): at its first byte, else after passing over lines of
 * junk, however many and however long, which the replay then counts as skipped. Everything that is
 * not a readable trace is an input error (exit 4).
 */
final class ReplayOpener {
    private final List<ReplayFormat> formats;

    ReplayOpener(Collection<ReplayFormat> formats) {
        this.formats = new ArrayList<>(formats);
    }

    /** The replaying source and the format's name. */
    record Opened(LatencySource source, String format) {
    }

    Opened open(String file, TraceOptions options, InputStream stdin) throws SourceException {
        String name = "-".equals(file) ? "standard input" : file;
        InputStream in = "-".equals(file) ? stdin : openFile(Path.of(file));
        try {
            HeadWindow window = new HeadWindow(in).fill();
            byte[] head = window.bytes();
            if (head.length == 0) {
                throw SourceException.input(name + " is empty");
            }
            String compression = compression(head, head.length);
            if (compression != null) {
                throw SourceException.input(name + " is compressed with " + compression + ": decompress it first"
                        + " (e.g. " + compression + " -dc FILE | ctxswitch --replay=-)");
            }
            for (; !window.atEnd(); window.slide(), head = window.bytes()) {
                for (ReplayFormat format : formats) {
                    if (format.recognises(head, head.length)) {
                        return new Opened(format.replay(window.rest(), name, window.passedOver(), options), format.name());
                    }
                }
            }
        } catch (IOException e) {
            closeQuietly(in);
            throw SourceException.input("cannot read " + name + ": " + e.getMessage());
        } catch (SourceException | RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
        closeQuietly(in);
        throw SourceException.input(name + " is not a trace ctxswitch can read (expected "
                + formats.stream().map(ReplayFormat::name).collect(Collectors.joining(" or "))
                + "; perf: record with 'perf record -a --switch-events -e sched:sched_switch' and print with"
                + " 'perf script --ns --show-switch-events')");
    }

    /** The compressor whose magic number starts the input, or null. */
    static String compression(byte[] head, int length) {
        if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return "gzip";
        }
        if (length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' && head[4] == 'Z' && head[5] == 0) {
            return "xz";
        }
        if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            return "zstd";
        }
        if (length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
            return "bzip2";
        }
        return null;
    }

    private static InputStream openFile(Path path) throws SourceException {
        if (Files.isDirectory(path)) {
            throw SourceException.input(path + " is a directory, not a trace");
        }
        if (!Files.exists(path)) {
            throw SourceException.input(path + " does not exist");
        }
        if (!Files.isReadable(path)) {
            throw SourceException.input(path + " cannot be read: permission denied");
        }
        try {
            // A FileInputStream, not a channel's stream: JDK 17's fails on FIFOs ("Illegal seek").
            return new java.io.FileInputStream(path.toFile());
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
