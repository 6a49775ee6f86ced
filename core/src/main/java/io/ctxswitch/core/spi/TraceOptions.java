package io.ctxswitch.core.spi;

import io.ctxswitch.core.files.OutputFile;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a source needs to know from the command line. Presentation (format, per-CPU tables) stays in
 * the CLI: every source measures in total and per CPU, and the report chooses what to show.
 *
 * @param probe the probe points to measure between
 * @param perTask whether figures per incoming task are wanted ({@code --top}); sources may skip
 *                that work when not
 * @param perf the perf binary ({@code --perf}), or null for the one on PATH
 * @param record where to keep the recording ({@code --record}), already checked, or null
 * @param bpftrace the bpftrace binary ({@code --bpftrace}), or null for the one on PATH
 */
public record TraceOptions(ProbeMode probe, boolean perTask, Path perf, OutputFile record, Path bpftrace) {

    public TraceOptions {
        Objects.requireNonNull(probe, "probe");
    }

    public TraceOptions(ProbeMode probe, boolean perTask) {
        this(probe, perTask, null, null, null);
    }

    public static TraceOptions defaults() {
        return new TraceOptions(ProbeMode.AUTO, true);
    }
}
