package io.ctxswitch.core.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The JSON contract of README.md's "JSON" section: one object per summary, on one line, field
 * names fixed (scripts depend on them; extend, don't rename). Empty figures are null.
 */
public final class JsonRenderer {
    private final JsonFactory factory = new JsonFactory();
    private final io.ctxswitch.core.host.HostIdentity host;

    /** Reports whose machine is unknown: {@code host} and {@code kernel} are null. */
    public JsonRenderer() {
        this(io.ctxswitch.core.host.HostIdentity.UNKNOWN);
    }

    /** @param host the machine and kernel the figures come from (a replay of our JSON output keeps the recorded one) */
    public JsonRenderer(io.ctxswitch.core.host.HostIdentity host) {
        this.host = host;
    }

    public String render(Summary s) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("kind", s.kind());
            g.writeStringField("backend", s.backend());
            g.writeStringField("probe", s.probe());
            g.writeStringField("host", host.host());
            g.writeStringField("kernel", host.kernel());
            g.writeNumberField("duration_ns", s.durationNs());
            g.writeNumberField("count", s.count());
            number(g, "min_ns", s.minNs());
            number(g, "max_ns", s.maxNs());
            number(g, "mean_ns", s.meanNs());
            number(g, "stddev_ns", s.stddevNs());
            for (Summary.PercentileFigure p : s.percentiles()) {
                number(g, p.percentile().jsonKey(), p.ns());
            }
            g.writeNumberField("percentile_relative_error", Summary.PERCENTILE_RELATIVE_ERROR);
            g.writeNumberField("unpaired", s.unpaired());
            g.writeNumberField("no_switch", s.noSwitch());
            g.writeNumberField("untimed", s.untimed());
            g.writeNumberField("untimed_no_start", s.untimedNoStart());
            g.writeNumberField("untimed_no_end", s.untimedNoEnd());
            g.writeNumberField("lost", s.lost());
            g.writeNumberField("skipped_lines", s.skippedLines());
            g.writeNumberField("process_table_overflow", s.processTableOverflow());
            histogram(g, s.histogram());
            g.writeArrayFieldStart("per_cpu");
            for (Summary.CpuLine c : s.perCpu()) {
                g.writeStartObject();
                g.writeNumberField("cpu", c.cpu());
                g.writeNumberField("count", c.count());
                number(g, "min_ns", c.minNs());
                number(g, "max_ns", c.maxNs());
                number(g, "mean_ns", c.meanNs());
                if (c.histogram() != null) { // with --per-cpu, where the backend keeps one per CPU
                    histogram(g, c.histogram());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("top_processes");
            for (Summary.ProcessLine p : s.topProcesses()) {
                g.writeStartObject();
                g.writeNumberField("pid", p.pid());
                g.writeNumberField("tgid", p.tgid());
                g.writeStringField("comm", p.comm());
                g.writeNumberField("count", p.count());
                number(g, "mean_ns", p.meanNs());
                g.writeNumberField("max_ns", p.maxNs());
                g.writeEndObject();
            }
            g.writeEndArray();
            byKind(g, s.byKind());
            byCgroup(g, s.byCgroup());
            filters(g, s.filter());
            g.writeNumberField("filtered", s.filtered());
            outliers(g, s.outliers());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void histogram(JsonGenerator g, java.util.List<HistogramBins.Bin> bins) throws IOException {
        g.writeArrayFieldStart("histogram");
        for (HistogramBins.Bin b : bins) {
            g.writeStartObject();
            g.writeNumberField("from_ns", b.fromNs());
            g.writeNumberField("to_ns", b.toNs());
            g.writeNumberField("count", b.count());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** {@code by_kind}: one object per kind, every kind in order, with --by=kind; null without it. */
    private static void byKind(JsonGenerator g, java.util.List<Summary.KindLine> kinds) throws IOException {
        if (kinds == null) {
            g.writeNullField("by_kind");
            return;
        }
        g.writeArrayFieldStart("by_kind");
        for (Summary.KindLine k : kinds) {
            g.writeStartObject();
            g.writeStringField("kind", k.kind().label());
            g.writeNumberField("count", k.count());
            number(g, "min_ns", k.minNs());
            number(g, "mean_ns", k.meanNs());
            number(g, "max_ns", k.maxNs());
            number(g, "p99_ns", k.p99Ns());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * {@code top_cgroups}: the most switched-into cgroups, most first, with --by=cgroup ({@code cgroup} null for one
     * gone before its path was known); {@code other_cgroups_count}, the switches into the cgroups not listed, and
     * {@code cgroup_table_overflow}, those in no cgroup's figures (a table was full). Nulls without --by=cgroup.
     */
    private static void byCgroup(JsonGenerator g, Summary.Cgroups cgroups) throws IOException {
        if (cgroups == null) {
            g.writeNullField("top_cgroups");
            g.writeNullField("other_cgroups_count");
            g.writeNullField("cgroup_table_overflow");
            return;
        }
        g.writeArrayFieldStart("top_cgroups");
        for (Summary.CgroupLine c : cgroups.top()) {
            g.writeStartObject();
            g.writeStringField("cgroup", c.path());
            g.writeNumberField("id", c.id());
            g.writeNumberField("count", c.count());
            number(g, "mean_ns", c.meanNs());
            number(g, "max_ns", c.maxNs());
            number(g, "p99_ns", c.p99Ns());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("other_cgroups_count", cgroups.otherCount());
        g.writeNumberField("cgroup_table_overflow", cgroups.overflow());
    }

    /** {@code --slower}: its threshold, the outliers printed and those lost (part of lost); nulls without it. */
    private static void outliers(JsonGenerator g, Summary.Outliers o) throws IOException {
        number(g, "slower_ns", o == null ? null : o.thresholdNs());
        number(g, "outliers", o == null ? null : o.printed());
        number(g, "outliers_lost", o == null ? null : o.lost());
    }

    /** The filters in force: an object with the options given (docs/filters.md), or null for none. */
    private static void filters(JsonGenerator g, io.ctxswitch.core.spi.SwitchFilter f) throws IOException {
        if (f.isEmpty()) {
            g.writeNullField("filters");
            return;
        }
        g.writeObjectFieldStart("filters");
        ids(g, "pid", f.pids());
        ids(g, "tid", f.tids());
        if (f.comm() != null) {
            g.writeStringField("comm", f.comm());
        }
        if (f.cgroup() != null) {
            g.writeStringField("cgroup", f.cgroup().toString());
        }
        if (!f.cpus().isEmpty()) {
            g.writeStringField("cpus", io.ctxswitch.core.spi.SwitchFilter.cpuList(f.cpus()));
        }
        if (f.excludeIdle()) {
            g.writeBooleanField("exclude_idle", true);
        }
        g.writeEndObject();
    }

    private static void ids(JsonGenerator g, String name, java.util.Set<Integer> ids) throws IOException {
        if (!ids.isEmpty()) {
            g.writeArrayFieldStart(name);
            for (int id : ids) {
                g.writeNumber(id);
            }
            g.writeEndArray();
        }
    }

    private static void number(JsonGenerator g, String name, Number value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else if (value instanceof Double d) {
            g.writeNumberField(name, Math.round(d * 10) / 10.0); // 0.1 ns is finer than any clock here
        } else {
            g.writeNumberField(name, value.longValue());
        }
    }
}
