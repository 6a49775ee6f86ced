package io.ctxswitch.core.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for the tracers ctxswitch runs as children (perf, bpftrace), so that only ctxswitch
 * decides when they stop, with util-linux's tools where they exist (each execs the next, so the
 * child keeps its pid):
 * <ul>
 * <li>{@code setpriv --pdeathsig TERM}: the child gets SIGTERM if ctxswitch dies without stopping
 * it (kill -9), so that it never traces on alone;</li>
 * <li>{@code setsid}: the child leaves the terminal's process group, so a Ctrl+C reaches ctxswitch
 * only. Otherwise perf or bpftrace would take it too and might exit before ctxswitch stops it,
 * which would look like a child that died.</li>
 * </ul>
 */
public final class ChildCommand {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private ChildCommand() {
    }

    /** {@code command}, stopped only by ctxswitch, and at the latest when ctxswitch ends. */
    public static List<String> endingWithUs(List<String> command) {
        List<String> wrapped = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            wrapped.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
        }
        if (Files.isExecutable(SETSID)) {
            wrapped.add(SETSID.toString());
        }
        wrapped.addAll(command);
        return wrapped;
    }
}
