package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LogLinearBuckets;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * deploy/grafana/ctxswitch.json asks Prometheus only for series the exporter serves: every metric
 * name in its PromQL (panels and variables) is a sample name of the exporter's own exposition, as a
 * real {@link MetricsServer} with a {@link LatencyCollector} answers a Prometheus text scrape (with and
 * without {@code --per-cpu}); every label it groups or selects by is one the exposition carries or one
 * that deploy/kubernetes/prometheus-scrape.yml adds (plus Prometheus's own {@code job} and
 * {@code instance}).
 */
@Timeout(120) // a scrape of a cold JVM on a loaded machine (40 s once, beside a CI run at nice 19)
class GrafanaDashboardTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path DASHBOARD = ROOT.resolve("deploy/grafana/ctxswitch.json");
    static final Path SCRAPE_CONFIG = ROOT.resolve("deploy/kubernetes/prometheus-scrape.yml");

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? ", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

    /** Two CPUs with a few latencies each: what a short real run leaves in the kernel's maps. */
    private static CumulativeFigures figures() {
        List<CumulativeFigures.Cpu> cpus = new ArrayList<>();
        long[][] latencies = {{310, 1_200, 2_900, 45_000}, {800, 800, 130_000_000}};
        for (int cpu = 0; cpu < latencies.length; cpu++) {
            long[] buckets = new long[LogLinearBuckets.COUNT];
            long sum = 0;
            for (long ns : latencies[cpu]) {
                buckets[LogLinearBuckets.bucketOf(ns)]++;
                sum += ns;
            }
            cpus.add(new CumulativeFigures.Cpu(cpu, latencies[cpu].length, sum, buckets));
        }
        return new CumulativeFigures(cpus, 3, 5, 0);
    }

    /** The exposition that a Prometheus text scrape of a running exporter gets. */
    static String scrape(boolean perCpu) throws Exception {
        MetricsServer server = MetricsServer.bind(new ServeAddress("127.0.0.1", 0));
        try {
            server.start(new LatencyCollector(GrafanaDashboardTest::figures, perCpu, new ExporterInfo("0.1.0", "libbpf", "sched-tp", "6.18.0")));
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + server.address().getPort() + "/metrics").openConnection();
            c.setRequestProperty("Accept", "text/plain;version=0.0.4");
            assertThat(c.getResponseCode()).isEqualTo(200);
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            server.close();
        }
    }

    /** Sample names (what Prometheus stores) and label names of the exposition. */
    private static void served(String exposition, Set<String> names, Set<String> labels) {
        Matcher sample = SAMPLE.matcher(exposition);
        while (sample.find()) {
            names.add(sample.group(1));
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    labels.add(label.group(1));
                }
            }
        }
    }

    /** Every PromQL expression of the dashboard: panel targets, and the variables' label_values() queries. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.path("query");
                expressions.add(query.isObject() ? query.path("query").asText() : query.asText());
            }
        }
        return expressions;
    }

    private static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    @Test
    void everyMetricTheDashboardQueriesIsServed() throws Exception {
        Set<String> names = new TreeSet<>();
        Set<String> labels = new TreeSet<>();
        served(scrape(false), names, labels);
        served(scrape(true), names, labels);
        assertThat(names).as("the exposition's sample names").contains("ctxswitch_latency_seconds_bucket");

        List<String> expressions = expressions(dashboard());
        assertThat(expressions).as("the dashboard's queries").hasSizeGreaterThanOrEqualTo(10).doesNotContain("");
        Set<String> used = new TreeSet<>();
        for (String expression : expressions) {
            Set<String> metrics = PromqlNames.metrics(expression);
            assertThat(metrics).as("metrics of %s", expression).isNotEmpty();
            assertThat(names).as("served sample names, against %s", expression).containsAll(metrics);
            used.addAll(metrics);
        }
        // The dashboard shows the histogram, its sum and count, the counters of what it missed, and what measures.
        assertThat(used).contains("ctxswitch_latency_seconds_bucket", "ctxswitch_latency_seconds_sum", "ctxswitch_latency_seconds_count",
                "ctxswitch_unpaired_total", "ctxswitch_lost_total", "ctxswitch_info");
    }

    @Test
    void everyLabelTheDashboardUsesIsServedOrAddedByTheScrapeJob() throws Exception {
        Set<String> names = new TreeSet<>();
        Set<String> labels = new TreeSet<>(List.of("job", "instance"));
        served(scrape(false), names, labels);
        served(scrape(true), names, labels);
        JsonNode scrapeConfig = new ObjectMapper(new YAMLFactory()).readTree(SCRAPE_CONFIG.toFile());
        for (JsonNode job : scrapeConfig.path("scrape_configs")) {
            for (JsonNode relabel : job.path("relabel_configs")) {
                String target = relabel.path("target_label").asText();
                if (!target.isEmpty() && !target.startsWith("__")) {
                    labels.add(target);
                }
            }
        }
        assertThat(labels).as("served and added labels").contains("le", "cpu", "node");
        for (String expression : expressions(dashboard())) {
            assertThat(labels).as("labels, against %s", expression).containsAll(PromqlNames.labels(expression));
        }
    }
}
