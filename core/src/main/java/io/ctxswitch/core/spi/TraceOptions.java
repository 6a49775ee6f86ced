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
 * @param slowerNs {@code --slower}: hand every kept switch of at least this many ns to
 *                 {@link LatencySource#onOutlier}'s callback ({@link Feature#OUTLIERS}); 0 for none
 */
public record TraceOptions(ProbeMode probe, boolean perTask, OutputFile record, SwitchFilter filter, long slowerNs) {

    public TraceOptions {
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(filter, "filter");
        if (slowerNs < 0) {
            throw new IllegalArgumentException("negative --slower threshold " + slowerNs);
        }
    }

    public TraceOptions(ProbeMode probe, boolean perTask, OutputFile record, SwitchFilter filter) {
        this(probe, perTask, record, filter, 0);
    }

    public TraceOptions(ProbeMode probe, boolean perTask) {
        this(probe, perTask, null);
    }

    public TraceOptions(ProbeMode probe, boolean perTask, OutputFile record) {
        this(probe, perTask, record, SwitchFilter.NONE);
    }

    public static TraceOptions defaults() {
        return new TraceOptions(ProbeMode.AUTO, true);
    }
}
