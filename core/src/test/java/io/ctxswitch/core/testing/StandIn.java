package io.ctxswitch.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A shell script that stands in for a tool (perf, bpftrace) a test cannot or should not run for real. */
public final class StandIn {
    private StandIn() {
    }

    /** Writes {@code script} to {@code path}, executable by everyone, and returns the path. */
    public static Path write(Path path, String script) throws IOException {
        Files.writeString(path, script);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }
}
