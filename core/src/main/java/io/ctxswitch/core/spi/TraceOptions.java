package io.ctxswitch.core.spi;

import io.ctxswitch.core.files.OutputFile;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a source needs to know from the command line, whatever the backend. Presentation (format,
 * per-CPU tables) stays in the CLI: every source measures in total and per CPU, and the report
 * chooses what to show. A backend's own settings (which perf or bpftrace binary) are its module's,
 * not these.
 *
 * @param probe the probe points to measure between
 * @param perTask whether figures per incoming task are wanted ({@code --top}); sources may skip
 *                that work when not
 * @param record where to keep the recording ({@code --record}, {@link Feature#RECORD}), already checked, or null
 * @param filter which switches to keep ({@code --pid}, {@code --cpus}...): a source applies only those
 *               filters it declares among its {@link #features}; the front end has refused the others
 * @param perCpu whether each CPU's distribution is shown ({@code --per-cpu}): sources may skip binning
 *               each CPU's samples when not (the per-CPU exact figures are kept either way)
 * @param byKind whether to classify each switch by kind ({@code --by=kind}, {@link Feature#BY_KIND}); sources
 *               may skip that work when not
 * @param slowerNs {@code --slower}: hand every kept switch of at least this many ns to
 *                 {@link LatencySource#onOutlier}'s callback ({@link Feature#OUTLIERS}); 0 for none
 * @param byCgroup whether to break the switches down by the incoming task's cgroup ({@code --by=cgroup},
 *                 {@link Feature#BY_CGROUP}); sources may skip that work when not
 * @param serve whether the figures will be read while tracing ({@code --serve}, {@link Feature#SERVE}):
 *              a source that serves only in some probe modes ({@link LatencySource#featuresLackedIn})
 *              chooses among those with {@code --probe=auto}
 */
public record TraceOptions(ProbeMode probe, boolean perTask, OutputFile record, SwitchFilter filter, boolean perCpu,
                           boolean byKind, long slowerNs, boolean byCgroup, boolean serve) {

    public TraceOptions {
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(filter, "filter");
        if (slowerNs < 0) {
            throw new IllegalArgumentException("negative --slower threshold " + slowerNs);
        }
    }

    public TraceOptions(ProbeMode probe, boolean perTask) {
        this(probe, perTask, null);
    }

    public TraceOptions(ProbeMode probe, boolean perTask, OutputFile record) {
        this(probe, perTask, record, SwitchFilter.NONE);
    }

    /** With every CPU's distribution kept, for callers that do not say ({@code --per-cpu} or not). */
    public TraceOptions(ProbeMode probe, boolean perTask, OutputFile record, SwitchFilter filter) {
        this(probe, perTask, record, filter, true);
    }

    /** Without classifying switches by kind or cgroup, nor --slower. */
    public TraceOptions(ProbeMode probe, boolean perTask, OutputFile record, SwitchFilter filter, boolean perCpu) {
        this(probe, perTask, record, filter, perCpu, false, 0, false, false);
    }

    /** The same options, classifying each switch by kind or not. */
    public TraceOptions withByKind(boolean classify) {
        return new TraceOptions(probe, perTask, record, filter, perCpu, classify, slowerNs, byCgroup, serve);
    }

    /** The same options, with {@code --slower}'s threshold ({@code 0} for none). */
    public TraceOptions withSlowerNs(long thresholdNs) {
        return new TraceOptions(probe, perTask, record, filter, perCpu, byKind, thresholdNs, byCgroup, serve);
    }

    /** The same options, breaking the switches down by cgroup or not. */
    public TraceOptions withByCgroup(boolean breakDown) {
        return new TraceOptions(probe, perTask, record, filter, perCpu, byKind, slowerNs, breakDown, serve);
    }

    /** The same options, served ({@code --serve}) or not. */
    public TraceOptions withServe(boolean served) {
        return new TraceOptions(probe, perTask, record, filter, perCpu, byKind, slowerNs, byCgroup, served);
    }

    public static TraceOptions defaults() {
        return new TraceOptions(ProbeMode.AUTO, true);
    }
}
