package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --serve} scraped every second by real Prometheus servers (Debian's package), on loopback,
 * during a pinned ping-pong: one keeps the classic buckets, one (native-histograms) the native ones.
 * What they stored is checked against the kernel's own count of the ping-pong's switches and against
 * ctxswitch's JSON summary of the same run.
 */
@Timeout(180)
class PrometheusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOOPS = 50_000;

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void needsACapableHost() throws Exception {
        LiveHost.assumeSchedTpCapable();
        for (String tool : new String[] {"prometheus", "promtool", "perf", "taskset", "python3"}) {
            if (!Jar.onPath(tool)) {
                Jar.skip(tool + " is missing (apt-get install prometheus linux-perf util-linux python3)");
            }
        }
    }

    @org.junit.jupiter.api.AfterEach
    void stopAll() {
        for (Process p : started) {
            p.destroy();
        }
    }

    /** A Prometheus on loopback scraping {@code target} every second. */
    private int prometheus(String name, int target, String... flags) throws Exception {
        int port = Loopback.freePort();
        Path config = dir.resolve(name + ".yml");
        Files.writeString(config, "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                + "scrape_configs:\n  - job_name: ctxswitch\n    static_configs:\n      - targets: ['127.0.0.1:" + target + "']\n");
        List<String> command = new ArrayList<>(List.of("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve(name + "-data"), "--web.listen-address=127.0.0.1:" + port));
        command.addAll(List.of(flags));
        started.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start());
        await(name + " ready", () -> Loopback.get("http://127.0.0.1:" + port + "/-/ready", null), s -> true);
        return port;
    }

    /** An instant query's first result value, or null when the result is empty. */
    private static Double query(int prometheus, String promql) throws IOException {
        JsonNode answer = JSON.readTree(Loopback.get("http://127.0.0.1:" + prometheus + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8), null));
        JsonNode result = answer.path("data").path("result");
        return result.isEmpty() ? null : result.get(0).path("value").get(1).asDouble();
    }

    /**
     * The width of the native buckets Prometheus stores for the histogram: upper over lower bound of its first bucket,
     * 2^(2^-schema) for the schema the exporter chose within its bucket limit (PrometheusBuckets.nativeSchema).
     */
    private static double nativeBucketFactor(int prometheus) throws IOException {
        JsonNode answer = JSON.readTree(Loopback.get("http://127.0.0.1:" + prometheus + "/api/v1/query?query="
                + URLEncoder.encode("ctxswitch_latency_seconds", StandardCharsets.UTF_8), null));
        JsonNode bucket = answer.path("data").path("result").get(0).path("histogram").get(1).path("buckets").get(0);
        return bucket.get(2).asDouble() / bucket.get(1).asDouble();
    }

    /** The newest stored sample's timestamp (s) of a series, or null. */
    private static Double newestSample(int prometheus, String series) throws IOException {
        return query(prometheus, "timestamp(" + series + ")");
    }

    interface Probe<T> {
        T get() throws Exception;
    }

    /** Waits (polling, bounded) until {@code probe} gives a value that {@code done} accepts. */
    private static <T> T await(String what, Probe<T> probe, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                T value = probe.get();
                if (value != null && done.test(value)) {
                    return value;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("waited 60 s for " + what, last);
    }

    /** Runs the pinned ping-pong; returns the kernel's count of its tasks' switches (getrusage of the waited children). */
    private static long pingPongSwitches() throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import resource, subprocess, sys\n"
                        + "subprocess.run(['taskset', '-c', '0', 'perf', 'bench', 'sched', 'pipe', '-l', sys.argv[1]],"
                        + " check=True, stdout=subprocess.DEVNULL)\n"
                        + "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                        + "print(r.ru_nvcsw + r.ru_nivcsw)\n", Integer.toString(LOOPS)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return Long.parseLong(out);
    }

    /**
     * A text scrape. One CI run saw the first scrape time out (5 s) and never again in any run; as
     * Prometheus does, the test scrapes again (through {@link #await}), and an attempt that timed
     * out prints the server's threads, so that a recurrence says where it waited.
     */
    private static String scrapeOrShowThreads(Jar.Running ctxswitch, int port) throws Exception {
        try {
            return Loopback.get("http://127.0.0.1:" + port + "/metrics", "text/plain;version=0.0.4");
        } catch (java.net.SocketTimeoutException e) {
            io.ctxswitch.core.host.ChildProcess.Outcome threads = io.ctxswitch.core.host.ChildProcess.command(
                    Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(ctxswitch.process.pid()), "Thread.print").run(java.time.Duration.ofSeconds(30));
            System.out.println("a scrape of :" + port + " timed out; the server's threads:\n" + threads.output());
            throw e;
        }
    }

    /** The power-of-two bucket (classic le) that holds {@code ns}: floor(log2). */
    private static int powerOfTwo(double ns) {
        return 63 - Long.numberOfLeadingZeros((long) ns);
    }

    @Test
    void prometheusStoresWhatTheSummarySays() throws Exception {
        int port = Loopback.freePort();
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=libbpf", "--serve=" + port, "--format=json");
        started.add(ctxswitch.process);
        ctxswitch.awaitErr("serving http://127.0.0.1:" + port + "/metrics", 60);

        // promtool accepts the exposition as Prometheus's text format.
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        String exposition = await("a first scrape", () -> scrapeOrShowThreads(ctxswitch, port), s -> true);
        promtool.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor()).as(lint).isZero();
        assertThat(lint).isEmpty();

        int classic = prometheus("classic", port);
        int nativeH = prometheus("native", port, "--enable-feature=native-histograms");
        String count = "ctxswitch_latency_seconds_count";
        String nativeCount = "histogram_count(ctxswitch_latency_seconds)";
        double before = await("a classic sample", () -> query(classic, count), v -> true);
        double nativeBefore = await("a native sample", () -> query(nativeH, nativeCount), v -> true);

        long pingPong = pingPongSwitches();
        double ended = System.currentTimeMillis() / 1000.0;
        await("a classic scrape after the ping-pong", () -> newestSample(classic, count), t -> t > ended + 0.2);
        await("a native scrape after the ping-pong", () -> newestSample(nativeH, nativeCount), t -> t > ended + 0.2);

        double after = query(classic, count);
        double nativeAfter = query(nativeH, nativeCount);
        double classicP99 = query(classic, "histogram_quantile(0.99, ctxswitch_latency_seconds_bucket)") * 1e9;
        double nativeP99 = query(nativeH, "histogram_quantile(0.99, ctxswitch_latency_seconds)") * 1e9;
        double factor = nativeBucketFactor(nativeH);
        double classicSum = query(classic, "ctxswitch_latency_seconds_sum") * 1e9;
        double nativeSum = query(nativeH, "histogram_sum(ctxswitch_latency_seconds)") * 1e9;
        double classicMean = classicSum / after;
        double nativeMean = nativeSum / nativeAfter;
        Double info = query(classic, "ctxswitch_info{backend=\"libbpf\",probe=\"sched-tp\"}");

        ctxswitch.signal("TERM");
        Jar.Run run = ctxswitch.finish(30);
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode summary = JSON.readTree(run.out());
        long total = summary.get("count").asLong();
        double p99 = summary.get("p99_ns").asDouble();
        double mean = summary.get("mean_ns").asDouble();
        System.out.printf("ping-pong %d switches (kernel); Prometheus increase classic %.0f native %.0f; summary count %d;"
                        + " p99 summary %.0f ns, classic %.0f, native %.0f (native buckets %.4f wide); mean summary %.1f, classic %.1f, native %.1f%n",
                pingPong, after - before, nativeAfter - nativeBefore, total, p99, classicP99, nativeP99, factor, mean, classicMean, nativeMean);

        assertThat(info).isEqualTo(1.0);
        assertThat(after - before).as("the increase covers the ping-pong's switches").isGreaterThanOrEqualTo(pingPong);
        assertThat(nativeAfter - nativeBefore).isGreaterThanOrEqualTo(pingPong);
        assertThat(after).as("no more than the whole run's summary").isLessThanOrEqualTo(total);
        assertThat(nativeAfter).isLessThanOrEqualTo(total);
        // Classic: the estimate lies in the power-of-two bucket that holds the summary's p99 (1 % slack
        // at its edges: the summary's percentiles are within 1 %).
        int bucket = powerOfTwo(p99);
        assertThat(classicP99).as("classic p99 vs summary p99 %s", p99)
                .isBetween((1L << bucket) / 1.01, (1L << (bucket + 1)) * 1.01);
        // Native: within one bucket of the schema served (by default the finest within 160 buckets from the fastest switch
        // to the slowest: 0.54 % wide at schema 7, 9 % at schema 3), a kernel bucket's half-width (0.39 %) and the summary's 1 %.
        assertThat(factor).as("a native schema from 7 down to -4").isBetween(Math.pow(2, 1.0 / 128) * 0.9999, Math.pow(2, 16) * 1.0001);
        assertThat(nativeP99).as("native p99 vs summary p99, buckets %.4f wide", factor).isBetween(p99 / factor / 1.014, p99 * factor * 1.014);
        // Means from exact sums. The summary also has the switches after the last scrape, each between
        // its min and max: the exact sums must account for them (the summary's mean is given to 0.1 ns).
        double totalSum = mean * total;
        double rounding = 0.05 * total + 1;
        long minNs = summary.get("min_ns").asLong();
        long maxNs = summary.get("max_ns").asLong();
        for (double[] served : new double[][] {{classicSum, after}, {nativeSum, nativeAfter}}) {
            double extra = total - served[1];
            assertThat(totalSum - served[0]).as("sum after the last scrape, for %s switches", extra)
                    .isBetween(minNs * extra - rounding, maxNs * extra + rounding);
        }
        if (total - after < 0.01 * total) { // then the means must agree closely
            assertThat(classicMean).isBetween(mean * 0.95, mean * 1.05);
        }
    }

    /** Found before anything is loaded into the kernel: exit 3 in one line, and no program left. */
    @Test
    void aPortInUseIsAnEnvironmentErrorInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.Set<Integer> before = io.ctxswitch.core.testing.BpfPrograms.ours().keySet();
            Jar.Run run = Jar.run("--backend=libbpf", "--serve=" + taken.getLocalPort());
            assertThat(run.exit()).as(run.err()).isEqualTo(3);
            assertThat(run.err().strip()).isEqualTo("ctxswitch: cannot serve on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use (choose another port with --serve=[HOST:]PORT)");
            assertThat(io.ctxswitch.core.testing.BpfPrograms.leftSince(before)).isEmpty();
        }
    }
}
