package io.ctxswitch.perf;

import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.model.WallClock;
import java.util.function.Consumer;

/**
 * {@code --slower} for perf: which paired switches to hand over ({@link SwitchPairer}) and how to date
 * them. A live recording is made with {@code -k CLOCK_MONOTONIC}, so its timestamps convert to wall-clock
 * time; a replayed trace's are printed as they are ({@link Outlier.TimeBase#TRACE}).
 *
 * @param clock converts the trace's timestamps to wall-clock time, or null to keep the trace's own
 */
public record OutlierWatch(long thresholdNs, WallClock clock, Consumer<Outlier> sink) {

    /** The outlier's time from the IN record's timestamp. */
    long time(long traceNs) {
        return clock == null ? traceNs : clock.epochNs(traceNs);
    }

    Outlier.TimeBase base() {
        return clock == null ? Outlier.TimeBase.TRACE : Outlier.TimeBase.WALL;
    }
}
