package io.ctxswitch.core.stats;

import org.HdrHistogram.Histogram;

/**
 * The switches into tasks of one cgroup v2 ({@code --by=cgroup}): exact count, sum, min and max, and a
 * distribution for its p99. Keyed by the cgroup's id (its directory's inode number, what the kernel's
 * {@code bpf_get_current_cgroup_id()} gives); the path is the one last resolved, null if it never was
 * (the cgroup was gone before anyone looked): such a cgroup is still listed, by its id.
 */
public final class CgroupStats {
    private final long id;
    private String path;
    private final ExactStats latency = new ExactStats();
    private final Histogram distribution = new Histogram(LatencyStats.SIGNIFICANT_DIGITS);

    CgroupStats(long id, String path) {
        this.id = id;
        this.path = path;
    }

    /** A path learnt later (a cgroup created while tracing) replaces none; a known one is kept once the cgroup is gone. */
    void knownAs(String newPath) {
        if (newPath != null) {
            path = newPath;
        }
    }

    public long id() {
        return id;
    }

    /** Its path below the cgroup v2 root ("/" for the root itself), or null if it was never resolved. */
    public String path() {
        return path;
    }

    public ExactStats latency() {
        return latency;
    }

    /** Read-only use: the report takes the p99 from it. */
    public Histogram distribution() {
        return distribution;
    }
}
