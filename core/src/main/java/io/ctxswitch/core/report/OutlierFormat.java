package io.ctxswitch.core.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ctxswitch.core.model.Outlier;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How a {@code --slower} outlier is printed as it happens (README.md, "Slow switches"): one text line,
 * or one JSON object per line with {@code "kind":"outlier"}. A pure function of the outlier.
 *
 * <pre>
 * 22:41:03.123456  cpu 1   1.27 ms  4321 sched-pipe S -> 4322 sched-pipe /test.slice  blocked
 * </pre>
 */
public final class OutlierFormat {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS", Locale.ROOT);
    private final JsonFactory factory = new JsonFactory();
    private final ZoneId zone;

    /** @param zone where text lines show wall-clock time (JSON is always UTC) */
    public OutlierFormat(ZoneId zone) {
        this.zone = zone;
    }

    /** The line that says what the outlier lines are, printed once before the first (text only). */
    public static String textHeader(long thresholdNs) {
        return "switches at or above " + Durations.format(thresholdNs)
                + " (time B started, CPU, latency, A: pid name state -> B: pid name cgroup, kind):";
    }

    public String text(Outlier o) {
        String time = o.timeBase() == Outlier.TimeBase.WALL
                ? CLOCK.format(Instant.ofEpochSecond(0, o.timeNs()).atZone(zone))
                : traceSeconds(o.timeNs());
        return String.format(Locale.ROOT, "%s  cpu %d  %8s  %d %s %s -> %d %s %s  %s", time, o.cpu(),
                Durations.format(o.latencyNs()), o.prevPid(), o.prevComm(), o.prevState() == null ? "?" : o.prevState(),
                o.nextPid(), o.nextComm(), cgroup(o), o.kind() == null ? "?" : o.kind());
    }

    /** The cgroup's path, its id when the path is gone, "-" when the source cannot know it. */
    private static String cgroup(Outlier o) {
        return o.cgroup() != null ? o.cgroup() : o.cgroupId() < 0 ? "-" : "cgroup-id:" + Long.toUnsignedString(o.cgroupId());
    }

    /** A trace's timestamp as perf prints it: seconds with nine decimals. */
    private static String traceSeconds(long ns) {
        return String.format(Locale.ROOT, "%d.%09d", ns / 1_000_000_000L, ns % 1_000_000_000L);
    }

    public String json(Outlier o) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("kind", "outlier");
            if (o.timeBase() == Outlier.TimeBase.WALL) {
                g.writeStringField("time", Instant.ofEpochSecond(0, o.timeNs()).toString());
                g.writeNullField("trace_time_ns");
            } else {
                g.writeNullField("time");
                g.writeNumberField("trace_time_ns", o.timeNs());
            }
            g.writeNumberField("cpu", o.cpu());
            g.writeNumberField("latency_ns", o.latencyNs());
            g.writeNumberField("prev_pid", o.prevPid());
            g.writeStringField("prev_comm", o.prevComm());
            g.writeStringField("prev_state", o.prevState());
            g.writeNumberField("next_pid", o.nextPid());
            g.writeStringField("next_comm", o.nextComm());
            if (o.cgroupId() < 0) { // the source cannot know it (perf)
                g.writeNullField("cgroup_id");
            } else {
                g.writeNumberField("cgroup_id", o.cgroupId());
            }
            g.writeStringField("cgroup", o.cgroup());
            g.writeStringField("switch_kind", o.kind());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
