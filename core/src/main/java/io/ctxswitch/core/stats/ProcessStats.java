package io.ctxswitch.core.stats;

/**
 * The switches into one task (docs/measurement.md, "The interval": a sample belongs to the incoming
 * task, whose start was delayed). The name is the latest one seen, since tasks rename themselves
 * (exec, prctl).
 */
public final class ProcessStats {
    private final int pid;
    private int tgid;
    private String comm;
    private final ExactStats latency = new ExactStats();

    public ProcessStats(int pid, int tgid, String comm) {
        this.pid = pid;
        this.tgid = tgid;
        this.comm = comm;
    }

    void rename(int tgid, String comm) {
        this.tgid = tgid;
        this.comm = comm;
    }

    public int pid() {
        return pid;
    }

    public int tgid() {
        return tgid;
    }

    public String comm() {
        return comm;
    }

    public ExactStats latency() {
        return latency;
    }
}
