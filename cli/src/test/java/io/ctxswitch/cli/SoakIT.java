package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Not in the default run: `mvn -B verify -Psoak -pl cli` (after `mvn install -DskipTests`; set
 * CTXSWITCH_TEST_JAR to a copy of the jar to keep building meanwhile). Traces for
 * 30 minutes (-Dctxswitch.soak.minutes) under a ping-pong and a churn of short-lived tasks with
 * --interval=10s, and checks that resident memory levels off (little growth over the second half,
 * under a ceiling), that the task tables stay bounded,
 * and that the intervals add up to the summary. Writes its samples to target/soak.txt.
 */
class SoakIT {
    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS) // the 30 minutes and reading; -Dctxswitch.soak.minutes above 170 needs more
    void thirtyMinutesUnderLoad() throws Exception {
        LiveHost.assumeSchedTpCapable();
        if (!Jar.onPath("perf") || !Jar.onPath("taskset")) {
            Jar.skip("the load needs perf and taskset");
        }
        int minutes = Integer.getInteger("ctxswitch.soak.minutes", 30);
        // In a process group of its own (setsid execs sh as its leader), so that the load ends as a whole.
        Process load = new ProcessBuilder("setsid", "sh", "-c", "while true; do taskset -c 0 perf bench sched pipe -l 200000;"
                + " perf bench sched messaging -g 2 -l 20; done").redirectErrorStream(true)
                .redirectOutput(new File("/dev/null")).start();
        Jar.Run run;
        RssSamples rss;
        try {
            Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--duration=" + minutes + "m", "--interval=10s",
                    "--format=json", "--top=10", "--per-cpu");
            rss = new RssSamples(ctxswitch.process.pid());
            while (ctxswitch.process.isAlive()) {
                rss.sample();
                Thread.sleep(10_000);
            }
            run = ctxswitch.finish(60);
        } catch (java.nio.file.NoSuchFileException finishedMeanwhile) {
            throw new AssertionError("ctxswitch ended early", finishedMeanwhile);
        } finally {
            new ProcessBuilder("kill", "-TERM", "--", "-" + load.pid()).inheritIO().start().waitFor();
            load.waitFor();
        }
        assertThat(run.exit()).as(run.err()).isZero();

        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.out().strip().split("\n")) {
            lines.add(new ObjectMapper().readTree(line));
        }
        JsonNode summary = lines.get(lines.size() - 1);
        long intervalSwitches = lines.subList(0, lines.size() - 1).stream().mapToLong(j -> j.get("count").asLong()).sum();
        long rssAfterTwoMinutes = rss.at(120);
        long rssHalfWay = rss.at(minutes * 30L);
        long rssEnd = rss.last();
        long rssPeak = rss.peak();
        String report = String.format("# soak: %d min, %d intervals, %d switches (intervals add up to %d), %d not attributed"
                        + " (table full); RSS after 2 min %d kB, half-way %d kB, at the end %d kB, peak %d kB%n",
                minutes, lines.size() - 1, summary.get("count").asLong(), intervalSwitches,
                summary.get("process_table_overflow").asLong(), rssAfterTwoMinutes, rssHalfWay, rssEnd, rssPeak);
        Files.writeString(Path.of("target/soak.txt"), report + rss.lines());
        System.out.print(report);

        assertThat(lines.size() - 1).isGreaterThanOrEqualTo(minutes * 6 - 1);
        assertThat(intervalSwitches).isEqualTo(summary.get("count").asLong());
        assertThat(summary.get("count").asLong()).isGreaterThan(1_000_000L * minutes);
        // The heap grows while the per-task table fills (a fork-heavy load meets tens of thousands of
        // tasks, bounded by pid reuse and the table's size); then it must stay flat.
        assertThat(rssEnd - rssHalfWay).as("RSS growth over the second half, kB").isLessThan(5 * 1024);
        assertThat(rssPeak).as("RSS peak with -Xmx64m, kB").isLessThan(200 * 1024);
        assertThat(summary.get("top_processes").size()).isEqualTo(10);
    }
}
