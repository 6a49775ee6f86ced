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
    private final boolean root;

    private Capabilities(long effective, boolean root) {
        this.effective = effective;
        this.root = root;
    }

    /** Parses the text of /proc/self/status; none if the lines are missing. */
    public static Capabilities parse(String procStatus) {
        long effective = 0;
        boolean root = false;
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                effective = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
            } else if (line.startsWith("Uid:")) {
                String[] ids = line.substring("Uid:".length()).strip().split("\\s+");
                root = ids.length > 1 && ids[1].equals("0"); // the effective user id
            }
        }
        return new Capabilities(effective, root);
    }

    /** This process's; none if /proc cannot be read. */
    public static Capabilities current() {
        try {
            return parse(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException | RuntimeException e) {
            return new Capabilities(0, false);
        }
    }

    /** Running as root (effective uid 0), whatever the capabilities: in a container root may lack them. */
    public boolean root() {
        return root;
    }

    /** How to get what is missing, for a message: sudo for a user, capabilities for root that lacks them. */
    public String howToGet(String capabilities) {
        return howToGet(root, capabilities);
    }

    public static String howToGet(boolean root, String capabilities) {
        return root ? "this root process lacks " + capabilities
                + " (in a container, add them, e.g. docker run --cap-add SYS_ADMIN)" : "run it with sudo";
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
