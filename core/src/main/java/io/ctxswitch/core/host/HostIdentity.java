package io.ctxswitch.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which machine and kernel the figures come from, for reports that may be read elsewhere (the JSON
 * output, the heat map's title). Either may be null: unknown, as for a replayed perf trace.
 */
public record HostIdentity(String host, String kernel) {
    public static final HostIdentity UNKNOWN = new HostIdentity(null, null);

    /** This machine: its host name and kernel release as the kernel has them. */
    public static HostIdentity local() {
        return new HostIdentity(read("/proc/sys/kernel/hostname"), read("/proc/sys/kernel/osrelease"));
    }

    private static String read(String file) {
        try {
            String s = Files.readString(Path.of(file)).strip();
            return s.isEmpty() ? null : s;
        } catch (IOException | RuntimeException e) {
            return null; // not Linux, or /proc not mounted: the report says unknown
        }
    }
}
