package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exporter's soak (issue 14). Not in the default run: {@code mvn -B verify -Psoak -pl cli
 * -Dit.test=ServeSoakIT} (after {@code mvn install -DskipTests}; CTXSWITCH_TEST_JAR may name a copy of
 * the jar). Serves for 30 minutes ({@code -Dctxswitch.soak.minutes}) under a ping-pong and a churn of
 * short-lived tasks, scraped every second, and checks that every counter and bucket of every scrape
 * is at least what the previous scrape said, that resident memory is flat over the second half, and
 * that the summary printed at exit equals the last scrape's totals.
 *
 * <p>That last check is exact because the load runs in a cgroup of the test's own and ctxswitch counts
 * only switches into it ({@code --cgroup}): once the load has ended and the cgroup is empty nothing
 * more is counted, so the last scrape and the summary see the same switches. Writes its samples to
 * target/serve-soak.txt.
 */
class ServeSoakIT {
    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS) // the 30 minutes and reading; -Dctxswitch.soak.minutes above 170 needs more
    void servedAndScrapedEverySecondForThirtyMinutes() throws Exception {
        LiveHost.assumeSchedTpCapable();
        if (!Jar.onPath("perf") || !Jar.onPath("taskset")) {
            Jar.skip("the load needs perf and taskset");
        }
        int minutes = Integer.getInteger("ctxswitch.soak.minutes", 30);
        Path root = CgroupV2.mount("serve-soak-cgroup2");
        Path cgroup = Files.createDirectories(root.resolve("soak-load"));
        int port = Loopback.freePort();
        String url = "http://127.0.0.1:" + port + "/metrics";
        // Native memory tracking (summary level, a few per cent of malloc's cost): a step in resident memory is
        // then attributed by the JVM itself, from a baseline half-way to the end (nativeMemoryDiff).
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of("JAVA_TOOL_OPTIONS", "-XX:NativeMemoryTracking=summary"), "--serve=" + port, "--per-cpu", "--format=json",
                "--cgroup=" + cgroup);
        Map<String, Double> last = Map.of();
        long scrapes = 0;
        RssSamples rss = new RssSamples(ctxswitch.process.pid());
        Process load = null;
        try {
            ctxswitch.awaitErr("serving http://127.0.0.1:" + port + "/metrics", 60);
            // The shell moves itself into the cgroup before it starts anything: every task of the load is inside.
            // In a process group of its own (setsid execs sh as its leader), so that the load ends as a whole.
            load = new ProcessBuilder("setsid", "sh", "-c", "echo $$ > \"$0\"/cgroup.procs && while true; do"
                    + " taskset -c 0 perf bench sched pipe -l 200000; perf bench sched messaging -g 2 -l 20; done", cgroup.toString())
                    .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
            long start = System.nanoTime();
            long end = start + TimeUnit.MINUTES.toNanos(minutes);
            long nextScrape = start;
            while (System.nanoTime() < end) {
                assertThat(ctxswitch.process.isAlive()).as("ctxswitch serving").isTrue();
                assertThat(load.isAlive()).as("the load").isTrue();
                Map<String, Double> now = Exposition.scrape(url);
                Exposition.assertNeverLess(last, now, scrapes);
                last = now;
                if (scrapes++ % 10 == 0) {
                    rss.sample();
                }
                if (scrapes == minutes * 30L) {
                    jcmd(ctxswitch, "VM.native_memory", "baseline");
                }
                nextScrape += TimeUnit.SECONDS.toNanos(1);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, nextScrape - System.nanoTime()));
            }
        } catch (Throwable failed) {
            ctxswitch.process.destroyForcibly(); // serving for nobody otherwise
            throw failed;
        } finally {
            if (load != null) {
                new ProcessBuilder("kill", "-TERM", "--", "-" + load.pid()).inheritIO().start().waitFor();
                load.waitFor();
            }
        }
        awaitEmpty(cgroup);
        Map<String, Double> lastScrape = Exposition.scrape(url);
        Exposition.assertNeverLess(last, lastScrape, scrapes);
        String nativeMemoryDiff = jcmd(ctxswitch, "VM.native_memory", "summary.diff");
        ctxswitch.signal("TERM");
        Jar.Run run = ctxswitch.finish(60);
        CgroupV2.removeWhenEmpty(cgroup);
        CgroupV2.unmount(root);
        assertThat(run.exit()).as(run.err()).isZero();

        String[] out = run.out().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(out[out.length - 1]);
        long servedCount = Math.round(Exposition.total(lastScrape, "ctxswitch_latency_seconds_count"));
        double servedSum = Exposition.total(lastScrape, "ctxswitch_latency_seconds_sum");
        long rssHalfWay = rss.at(minutes * 30L);
        long rssEnd = rss.last();
        long rssPeak = rss.peak();
        String report = String.format("# serve soak: %d min, %d scrapes, summary %d switches, last scrape %d (sum %.6f s);"
                        + " RSS half-way %d kB, at the end %d kB, peak %d kB%n",
                minutes, scrapes + 1, summary.get("count").asLong(), servedCount, servedSum, rssHalfWay, rssEnd, rssPeak);
        Files.writeString(Path.of("target/serve-soak.txt"), report + rss.lines()
                + "# native memory, the second half (jcmd VM.native_memory summary.diff against the baseline half-way)\n"
                + nativeMemoryDiff);
        System.out.print(report);

        assertThat(scrapes).as("scrapes, one a second").isGreaterThanOrEqualTo(minutes * 60L - 5);
        assertThat(summary.get("count").asLong()).as("the summary's count against the last scrape's").isEqualTo(servedCount);
        // The summary gives the mean rounded to a tenth of a ns: the same sum within that rounding.
        assertThat(summary.get("mean_ns").asDouble() * servedCount).as("the summary's sum, ns")
                .isCloseTo(servedSum * 1e9, org.assertj.core.data.Offset.offset(0.05 * servedCount + 1));
        assertThat(summary.get("count").asLong()).as("switches of the load").isGreaterThan(1_000_000L * minutes);
        assertThat(rssEnd - rssHalfWay).as("RSS growth over the second half, kB").isLessThan(5 * 1024);
        assertThat(rssPeak).as("RSS peak with -Xmx64m, kB").isLessThan(200 * 1024);
    }

    /** What jcmd says to the serving JVM (it runs as the same user, root). */
    private static String jcmd(Jar.Running ctxswitch, String... command) throws Exception {
        List<String> line = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(ctxswitch.process.pid())));
        line.addAll(List.of(command));
        io.ctxswitch.core.host.ChildProcess.Outcome outcome = io.ctxswitch.core.host.ChildProcess.command(line)
                .run(java.time.Duration.ofSeconds(60));
        return outcome.output();
    }

    /** Waits (bounded) until the last task of the load has left the cgroup. */
    private static void awaitEmpty(Path cgroup) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(cgroup.resolve("cgroup.procs")).isBlank()) {
            assertThat(System.nanoTime()).as("%s empty", cgroup).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
