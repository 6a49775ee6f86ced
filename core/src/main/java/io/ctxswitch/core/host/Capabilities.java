package io.ctxswitch.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The effective capabilities of this process, from the CapEff line of /proc/self/status. */
public final class Capabilities {
    public static final int CAP_SYS_ADMIN = 21;
    public static final int CAP_PERFMON = 38;
    public static final int CAP_BPF = 39;

    private final long effective;

    private Capabilities(long effective) {
        this.effective = effective;
    }

    /** Parses the text of /proc/self/status; none if the line is missing. */
    public static Capabilities parse(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                return new Capabilities(Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16));
            }
        }
        return new Capabilities(0);
    }

    /** This process's; none if /proc cannot be read. */
    public static Capabilities current() {
        try {
            return parse(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException | RuntimeException e) {
            return new Capabilities(0);
        }
    }

    public boolean has(int capability) {
        return (effective >>> capability & 1) != 0;
    }

    /** Loading and attaching tracing BPF programs: CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN. */
    public boolean canTraceWithBpf() {
        return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
    }

    /** System-wide perf events: CAP_PERFMON, or CAP_SYS_ADMIN. */
    public boolean canPerfSystemWide() {
        return has(CAP_SYS_ADMIN) || has(CAP_PERFMON);
    }
}
