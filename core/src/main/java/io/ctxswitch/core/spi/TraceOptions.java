package io.ctxswitch.core.spi;

import java.util.Objects;

/**
 * What a source needs to know from the command line. Presentation (format, per-CPU tables) stays in
 * the CLI: every source measures in total and per CPU, and the report chooses what to show.
 *
 * @param probe the probe points to measure between
 * @param perTask whether figures per incoming task are wanted ({@code --top}); sources may skip
 *                that work when not
 */
public record TraceOptions(ProbeMode probe, boolean perTask) {

    public TraceOptions {
        Objects.requireNonNull(probe, "probe");
    }

    public static TraceOptions defaults() {
        return new TraceOptions(ProbeMode.AUTO, true);
    }
}
