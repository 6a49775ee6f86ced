package io.ctxswitch.core.model;

/**
 * One switch at or above the {@code --slower} threshold, as printed while tracing: when it ended (B
 * started), on which CPU, how long it took, who left the CPU (A) and who got it (B).
 *
 * @param timeNs    when B started: nanoseconds since the epoch ({@link TimeBase#WALL}) or the trace's own
 *                  timestamp ({@link TimeBase#TRACE}, a replay: perf's seconds since boot, in ns)
 * @param prevState A's state as the kernel's sched_switch reports it ({@link TaskState}), or null if unknown
 * @param cgroupId  B's cgroup v2 id (the inode of its directory), or -1 where the source cannot know it (perf)
 * @param cgroup    that cgroup's path below the cgroup v2 root ("/" for the root), or null when the id could
 *                  not be resolved (a cgroup removed meanwhile keeps its id) or is unknown
 * @param kind      how A left the CPU, or null where it is not known
 */
public record Outlier(long timeNs, TimeBase timeBase, int cpu, long latencyNs,
                      int prevPid, String prevComm, String prevState,
                      int nextPid, String nextComm, long cgroupId, String cgroup, String kind) {

    /** What {@link #timeNs} counts from. */
    public enum TimeBase {
        /** Nanoseconds since 1970-01-01T00:00:00Z: live tracing, converted from the kernel's monotonic clock. */
        WALL,
        /** The trace's own timestamps (a replay): printed as they are, since the trace does not say when it was taken. */
        TRACE
    }

    /** The same outlier with B's cgroup path, resolved in user space from {@link #cgroupId}. */
    public Outlier withCgroup(String path) {
        return new Outlier(timeNs, timeBase, cpu, latencyNs, prevPid, prevComm, prevState, nextPid, nextComm, cgroupId, path, kind);
    }
}
