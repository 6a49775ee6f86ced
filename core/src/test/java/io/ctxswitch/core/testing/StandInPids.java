package io.ctxswitch.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes a stand-in script started, by the pids it wrote to a file ({@code echo $$ $! >
 * FILE}), and whether any of them still runs after the code under test should have ended them all.
 */
public final class StandInPids {
    private StandInPids() {
    }

    /** The pids in {@code file}, separated by white space. */
    public static List<Long> read(Path file) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (String p : Files.readString(file).strip().split("\\s+")) {
            pids.add(Long.parseLong(p));
        }
        return pids;
    }

    public static void assertNoneRuns(List<Long> pids) {
        assertThat(pids).isNotEmpty();
        assertThat(pids).as("still running").noneMatch(StandInPids::runs);
    }

    /** Exists and is not a zombie (a zombie has ended; reaping it is its parent's job, here maybe a pid 1 that does not). */
    public static boolean runs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
