package io.ctxswitch.core.spi;

import io.ctxswitch.core.stats.LatencyStats;

/**
 * One way of measuring context-switch latency (a backend). Sources are constructed cheaply and do
 * nothing until {@link #start}; {@link #features} and {@link #availability} may be asked first.
 *
 * <p>Delivery is by draining: each {@link #drain} returns exactly what was measured since the
 * previous drain, so that summing the drains gives the total and interval reports add up to it.
 * A source that receives samples one by one records them into a {@link LatencyStats} of its own;
 * a source that aggregates in the kernel converts its snapshot into one.
 *
 * <p>Calls come from one thread, except {@link #progress}, which a status line may call at any time.
 */
public interface LatencySource extends AutoCloseable {

    /** The name users give to {@code --backend}. */
    String name();

    /**
     * What this source can do beyond measuring in total and per CPU: a constant, known without
     * looking at the host, so that an option it cannot honour is a usage error before any probing.
     */
    default java.util.Set<Feature> features() {
        return java.util.Set.of();
    }

    /**
     * The features of {@link #features} that this source lacks in probe mode {@code probe} (the user's
     * {@code --probe}), each with why: one clause, fit for a usage error. A constant for each mode, known
     * without looking at the host, like {@link #features}. Always empty for {@link ProbeMode#AUTO}: a source
     * with such limits then takes only a mode that has every feature the options ask for
     * ({@link TraceOptions}), and its {@link #availability} says so when none of them can run here.
     */
    default java.util.Map<Feature, String> featuresLackedIn(ProbeMode probe) {
        return java.util.Map.of();
    }

    /**
     * Whether this source can run here with these options, and if not, what is missing and how to
     * get it. Leaves the host as it found it, but may have to try things to find out, and says which:
     * <ul>
     * <li>it reads {@code /proc}, {@code /sys} and the kernel's BTF, and may run the backend's tool to
     *     ask its version or features ({@code perf --version}, {@code bpftrace --version} and
     *     {@code bpftrace --info}, which itself loads a probe program into the kernel to see if fentry
     *     works);</li>
     * <li>the libbpf backend with {@code --probe=auto}, on a kernel without {@code sched_entry_tp}
     *     (before Linux 6.15), loads each candidate mode's programs (fentry, then kprobe) in an object
     *     of their own and attaches them disarmed (they run at each switch for those milliseconds and
     *     count nothing), then detaches and unloads them before returning:
     *     only the kernel can say whether fentry attaches (it refuses it under lockdown or without BPF
     *     trampolines), and auto must fall back to the next mode, or backend, when it does not. Nothing
     *     is pinned and nothing outlives the call.</li>
     * </ul>
     * It writes no file, starts nothing that outlives it, and needs no {@link #start}.
     */
    Availability availability(TraceOptions options);

    /** Loads, attaches or spawns what it needs. On failure everything acquired so far is released. */
    void start(TraceOptions options) throws SourceException;

    /**
     * Asks a {@link #start} that is running on another thread to give up: a source whose start can
     * take long (a child that compiles, a child that must acknowledge) releases what it acquired and
     * throws {@link SourceException#cancelled}; a quick one may ignore it and finish starting. Called
     * from a signal, possibly just before start begins; never blocks.
     */
    default void cancelStart() {
    }

    /** What the samples are taken between, for the report header; valid after {@link #start}. */
    String probeDescription();

    /** Everything measured since the previous drain (or since start). */
    LatencyStats drain() throws SourceException;

    /**
     * Everything measured since {@link #start}, read now ({@link Feature#SERVE}). May be called from
     * any thread, concurrently with the session's own calls, and must then neither disturb the drains
     * nor block for long; a later call never reports less. After {@link #close} it reports nothing.
     */
    default io.ctxswitch.core.stats.CumulativeFigures cumulative() throws SourceException {
        throw new UnsupportedOperationException("the " + name() + " backend cannot be read while it runs");
    }

    /**
     * Where to hand each switch at or above {@link TraceOptions#slowerNs} ({@link Feature#OUTLIERS}),
     * registered before {@link #start}. Called as they are seen, possibly from a thread of the source's
     * own; those still in transit when the source stops are handed over before its last {@link #drain}
     * returns, and those lost on the way are counted there ({@link LatencyStats#addOutliersLost}).
     */
    default void onOutlier(java.util.function.Consumer<io.ctxswitch.core.model.Outlier> sink) {
    }

    /** Switches measured so far, cheaply, for a status line; -1 if unknown. */
    long progress();

    /** True once the source can deliver nothing more (end of a replayed trace, a child that exited). */
    default boolean finished() {
        return false;
    }

    /** Registers what to call when {@link #finished} becomes true, so that no one has to poll for it. */
    default void onFinished(Runnable callback) {
    }

    /** The time the measurement covers when it is not wall-clock time (a replayed trace's span). */
    default java.util.OptionalLong coveredNs() {
        return java.util.OptionalLong.empty();
    }

    /**
     * How the source chose among its ways of measuring when the user left it to choose
     * ({@code --probe=auto}), e.g. "probe auto: using fentry; not sched-tp: ...", or null.
     * Valid after {@link #availability}.
     */
    default String probeChoiceNote() {
        return null;
    }

    /** Things the user should know about the figures (e.g. microsecond timestamps), one line each. */
    default java.util.List<String> warnings() {
        return java.util.List.of();
    }

    /**
     * Why the run failed although figures were measured, or null: the measurement ended before it
     * was stopped (a child tracer that died; what the drains returned is then the part measured
     * before), or what the user asked to keep ({@code --record}) could not be written. Set by the
     * drain that found it out; the caller shows the figures, then this error, and exits with its kind.
     */
    default SourceException failure() {
        return null;
    }

    /** Stops measuring; a following {@link #drain} returns the rest. Idempotent. */
    void stop();

    /** Releases everything. Idempotent, never throws. */
    @Override
    void close();
}
