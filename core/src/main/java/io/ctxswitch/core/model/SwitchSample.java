package io.ctxswitch.core.model;

/**
 * One context switch on one CPU: task {@code prev} stopped at {@code startNs} and task {@code next}
 * started at {@code endNs}, both read from that CPU's monotonic clock (docs/measurement.md, "The
 * interval"). Sources that see individual switches (perf, replays) produce these; the
 * kernel-aggregating ones never materialise them.
 */
public record SwitchSample(int cpu, long startNs, long endNs, Task prev, Task next) {

    /**
     * A task as a tracer names it: the kernel's task id (a thread), its process, and its name at the
     * time, which may be null where the source does not know it.
     */
    public record Task(int pid, int tgid, String comm) {
    }

    public SwitchSample {
        if (cpu < 0) {
            throw new IllegalArgumentException("negative CPU " + cpu);
        }
        if (endNs < startNs) {
            throw new IllegalArgumentException("a switch cannot end (" + endNs + " ns) before it starts (" + startNs + " ns)");
        }
    }

    /** The context-switch latency. */
    public long latencyNs() {
        return endNs - startNs;
    }
}
