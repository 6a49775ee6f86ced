package io.ctxswitch.core.spi;

/**
 * What a backend can do beyond measuring in total and per CPU. Each backend declares its features
 * ({@link LatencySource#features}) so that a front end can refuse an option the backend cannot
 * honour as a usage error, before anything on the host is probed, and name the backends that can.
 * A backend declares a feature only once it really implements it.
 */
public enum Feature {
    /** Figures while tracing, drained at intervals that add up to the summary ({@code --interval}). */
    INTERVAL,
    /** Keeps what was traced in a file that a replay reads again ({@code --record}). */
    RECORD,
    /** Figures per incoming task ({@code --top}). */
    PER_TASK,
    /**
     * Everything measured since start, readable at any moment from another thread without draining
     * ({@link LatencySource#cumulative}), for an exporter that reads at scrape time ({@code --serve}).
     */
    SERVE,
    /**
     * {@link #SERVE} with a {@code cpu} label ({@code --serve --per-cpu}): the cumulative figures have each
     * CPU's histogram, not one for all CPUs ({@link io.ctxswitch.core.stats.CumulativeFigures.Cpu#ALL_CPUS}).
     */
    SERVE_PER_CPU,
    /**
     * {@link #SERVE} with a {@code kind} label ({@code --serve --by=kind}): the cumulative figures have each CPU's
     * figures by kind (all CPUs' together from a source that serves no CPU apart) ({@link io.ctxswitch.core.stats.CumulativeFigures#kinds}).
     */
    SERVE_BY_KIND,
    /**
     * {@link #SERVE} with a {@code cgroup} label ({@code --serve --by=cgroup}): the cumulative figures have each
     * cgroup's ({@link io.ctxswitch.core.stats.CumulativeFigures#cgroups}).
     */
    SERVE_BY_CGROUP,
    /** Only switches into tasks of these processes ({@code --pid}, tgids); see {@link SwitchFilter}. */
    PID_FILTER,
    /** Only switches into these threads ({@code --tid}). */
    TID_FILTER,
    /** Only switches into tasks of this name ({@code --comm}). */
    COMM_FILTER,
    /** Only switches into tasks of a cgroup v2 directory or its descendants ({@code --cgroup}). */
    CGROUP_FILTER,
    /** Only switches on these CPUs ({@code --cpus}). */
    CPU_FILTER,
    /** No switch from or to an idle task ({@code --exclude-idle}). */
    IDLE_FILTER,
    /**
     * Each switch classified by how it came about ({@code --by=kind}, {@link io.ctxswitch.core.model.SwitchKind}),
     * into {@link io.ctxswitch.core.stats.LatencyStats#kinds} of every part drained.
     */
    BY_KIND,
    /**
     * The switches broken down by the incoming task's cgroup v2 ({@code --by=cgroup}), into
     * {@link io.ctxswitch.core.stats.LatencyStats#cgroups} of every part drained, each cgroup with its path.
     */
    BY_CGROUP,
    /**
     * Each switch at or above a threshold handed over as it is seen, with both tasks ({@code --slower};
     * {@link TraceOptions#slowerNs}, {@link LatencySource#onOutlier}).
     */
    OUTLIERS
}
