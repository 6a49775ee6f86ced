package io.ctxswitch.core.report.heatmap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.report.HistogramBins;
import io.ctxswitch.core.spi.BackgroundReplay;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * ctxswitch's own {@code --format=json --interval} output read again: one object per interval, each
 * with its histogram (and, recorded with {@code --per-cpu}, each CPU's in its {@code per_cpu} entry),
 * then the summary. It is a report, not a trace: it holds figures already
 * computed (its histograms are four bins per power of two, too coarse to compute percentiles
 * within the 1 % that reports state), so its replay draws the heat map of the recorded intervals
 * and computes no new summary ({@code figures} is empty; the CLI prints none).
 */
public final class JsonReportReplay extends BackgroundReplay {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputStream input;
    private final HeatmapPanels panels = new HeatmapPanels(true); // per CPU where the recording has it
    private volatile boolean cpuHistograms; // whether it has it: recorded with --per-cpu
    private volatile HeatmapHeader header = new HeatmapHeader(null, null, null, null);
    private volatile Long summaryCount; // the recorded summary's count, if the run got to print it
    private long skippedLines;

    /** The format, for {@code --replay}'s detection: the first line is one of our JSON objects. */
    public static final class Format implements ReplayFormat {
        @Override
        public String name() {
            return "ctxswitch --format=json --interval output";
        }

        @Override
        public boolean recognises(byte[] head, int length) {
            String text = new String(head, 0, length, StandardCharsets.UTF_8).stripLeading();
            return text.startsWith("{\"kind\":\"interval\",\"backend\":") || text.startsWith("{\"kind\":\"summary\",\"backend\":");
        }

        @Override
        public LatencySource replay(InputStream input, String inputName, long skippedLines, TraceOptions options) {
            JsonReportReplay replay = new JsonReportReplay(input, inputName);
            replay.skippedLines = skippedLines; // the junk passed over before the first of our lines
            return replay;
        }
    }

    JsonReportReplay(InputStream input, String inputName) {
        super(inputName);
        this.input = input;
    }

    @Override
    protected void read(BooleanSupplier stop) throws IOException, SourceException {
        boolean first = true;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
            String line;
            while (!stop.getAsBoolean() && (line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = JSON.readTree(line);
                } catch (IOException e) {
                    skippedLines++;
                    continue;
                }
                String kind = o.path("kind").asText("");
                if (first && (kind.equals("interval") || kind.equals("summary"))) {
                    header = new HeatmapHeader(text(o, "host"), text(o, "kernel"), text(o, "backend"), text(o, "probe"));
                    first = false;
                }
                if (kind.equals("interval")) {
                    synchronized (panels) {
                        panels.addInterval(o.path("duration_ns").asLong(), bins(o.path("histogram")), cpuBins(o.path("per_cpu")));
                    }
                } else if (kind.equals("summary")) {
                    summaryCount = o.path("count").asLong();
                } else if (!kind.equals("outlier")) {
                    skippedLines++;
                }
            }
        }
        if (panels.all().intervals() == 0) {
            throw SourceException.input(inputName + " has no interval to draw: record it with --format=json --interval=TIME");
        }
    }

    private static List<HistogramBins.Bin> bins(JsonNode histogram) {
        List<HistogramBins.Bin> bins = new ArrayList<>();
        for (JsonNode b : histogram) {
            bins.add(new HistogramBins.Bin(b.path("from_ns").asLong(), b.path("to_ns").asLong(), b.path("count").asLong()));
        }
        return bins;
    }

    /** The per_cpu entries' histograms ({@code --per-cpu}), by CPU; entries without one are left out. */
    private Map<Integer, List<HistogramBins.Bin>> cpuBins(JsonNode perCpu) {
        Map<Integer, List<HistogramBins.Bin>> byCpu = new TreeMap<>();
        for (JsonNode cpu : perCpu) {
            if (cpu.has("histogram")) {
                byCpu.put(cpu.path("cpu").asInt(), bins(cpu.get("histogram")));
                cpuHistograms = true;
            }
        }
        return byCpu;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** No summary is computed from a report; see the class comment. */
    @Override
    protected LatencyStats figures(boolean done) {
        LatencyStats none = new LatencyStats();
        none.addSkippedLines(skippedLines);
        return none;
    }

    public HeatmapHeader header() {
        return header;
    }

    /** The intervals read, once the reading ended: all CPUs, and each CPU where the recording has it. */
    public HeatmapPanels panels() {
        synchronized (panels) {
            return panels;
        }
    }

    /** Whether the recording has a histogram per CPU in its intervals: it was made with {@code --per-cpu}. */
    public boolean hasCpuHistograms() {
        return cpuHistograms;
    }

    /** The recorded summary's count, or null when the recording ends before the summary (a run cut short). */
    public Long summaryCount() {
        return summaryCount;
    }

    @Override
    public String name() {
        return header.backend() == null ? "json" : header.backend();
    }

    @Override
    public String probeDescription() {
        return header.probe() == null ? "" : header.probe();
    }

    @Override
    public void close() {
        super.close();
        try {
            input.close();
        } catch (IOException ignored) {
            // nothing was written to it
        }
    }
}
