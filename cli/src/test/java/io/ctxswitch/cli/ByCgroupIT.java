package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * --by=cgroup, live, with the libbpf backend (issue 15): a pipe ping-pong in a cgroup v2 the test creates
 * (pinned to CPU 0) and another in a second one (CPU 1) run while ctxswitch traces; both cgroups are listed,
 * by their paths and ids, each with the switches into its tasks: within a few percent of the kernel's count
 * (/proc/PID/status) and never more. Everything listed, the others and the overflow add up to the count.
 *
 * <p>As in {@link FiltersIT}, the loads are stopped while ctxswitch starts and again before it stops, so
 * that the growth of the kernel's counts between the two stops is every switch into them while tracing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ByCgroupIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Switches into the inside ping-pong's ping to wait for: each round trip is at least two. */
    private static final long PING_SWITCHES_WANTED = 20_000;
    /** "Within a few percent" of the kernel's count. */
    private static final double SHARE = 0.97;

    @RegisterExtension
    static final CgroupV2 CGROUPS = new CgroupV2("bycgroup-cgroup2");

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
        ForkedLoad.assumeStartable("--by=cgroup test");
    }

    @Test
    void listsEachCgroupWithTheSwitchesIntoItsTasks() throws Exception {
        Path in = CGROUPS.create("bycg-in");
        Path out = CGROUPS.create("bycg-out");
        try (ForkedLoad inside = new ForkedLoad("inside-pp", 0, "ping", "pong");
             ForkedLoad outside = new ForkedLoad("outside-pp", 1, "ping", "pong")) {
            inside.stop();
            outside.stop();
            inside.moveTo(in);
            outside.moveTo(out);
            Map<Integer, Long> before = ForkedLoad.kernelSwitches(inside, outside);
            Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=libbpf", "--format=json", "--by=cgroup");
            Jar.Run run;
            try {
                ctxswitch.awaitErr("tracing with libbpf", 60);
                inside.runUntil("ping", before.get(inside.pid("ping")) + PING_SWITCHES_WANTED, outside);
                ctxswitch.signal("INT");
                run = ctxswitch.finish(60);
            } finally {
                ctxswitch.process.destroyForcibly();
            }
            assertThat(run.exit()).as(run.err()).isZero();
            Map<Integer, Long> after = ForkedLoad.kernelSwitches(inside, outside);
            JsonNode summary = JSON.readTree(run.out());
            JsonNode top = summary.get("top_cgroups");
            System.out.printf("--by=cgroup: %d switches; top_cgroups %s; others %d, overflow %d%n", summary.get("count").asLong(),
                    top, summary.get("other_cgroups_count").asLong(), summary.get("cgroup_table_overflow").asLong());

            assertListed(top, in, "/bycg-in", grown(inside, before, after));
            assertListed(top, out, "/bycg-out", grown(outside, before, after));
            CgroupReport.assertEverySwitchInACgroup(summary);
        }
    }

    /**
     * A cgroup removed while tracing keeps its figures, its id and the path it had: a ping-pong runs in a cgroup
     * until an interval has listed it by its path, then is moved out (stopped, so without a switch) and the cgroup
     * removed; the summary, after more intervals, still lists it with every switch into the ping-pong while in it.
     */
    @Test
    void aCgroupRemovedWhileTracingKeepsItsIdAndPath() throws Exception {
        Path gone = CGROUPS.create("bycg-gone");
        long id = (Long) Files.getAttribute(gone, "unix:ino");
        try (ForkedLoad load = new ForkedLoad("gone-pp", 0, "ping", "pong")) {
            load.stop();
            load.moveTo(gone);
            Map<Integer, Long> before = load.kernelSwitches();
            Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=libbpf", "--format=json", "--by=cgroup",
                    "--interval=300ms");
            Jar.Run run;
            Map<Integer, Long> after;
            try {
                ctxswitch.awaitErr("tracing with libbpf", 60);
                load.resume();
                ctxswitch.awaitOut("\"cgroup\":\"/bycg-gone\",\"id\":" + id + ",", 1, 60);
                load.stop();
                after = load.kernelSwitches();
                load.moveTo(CGROUPS.root());
                CgroupV2.removeWhenEmpty(gone);
                int intervals = occurrences(Files.readString(ctxswitch.out), "\"kind\":\"interval\"");
                ctxswitch.awaitOut("\"kind\":\"interval\"", intervals + 2, 60); // drained after the removal
                ctxswitch.signal("INT");
                run = ctxswitch.finish(60);
            } finally {
                ctxswitch.process.destroyForcibly();
            }
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(gone).as("removed while tracing").doesNotExist();
            String[] lines = run.out().strip().split("\n");
            JsonNode top = JSON.readTree(lines[lines.length - 1]).get("top_cgroups");
            long kernel = grown(load, before, after);
            System.out.printf("removed cgroup %d: kernel %d switches; top_cgroups %s%n", id, kernel, top);
            assertThat(kernel).as("the ping-pong switched while in the cgroup").isPositive();
            assertListed(top, id, "/bycg-gone", kernel);
        }
    }

    private static int occurrences(String in, String text) {
        int n = 0;
        for (int i = in.indexOf(text); i >= 0; i = in.indexOf(text, i + text.length())) {
            n++;
        }
        return n;
    }

    /** {@code cgroup} is listed by its path below the root and its id (its directory's inode), with the switches into its tasks. */
    private static void assertListed(JsonNode top, Path cgroup, String path, long kernel) throws Exception {
        assertListed(top, (Long) Files.getAttribute(cgroup, "unix:ino"), path, kernel);
    }

    /** Cgroup {@code id} is listed with {@code path} and the switches into its tasks, within a few percent of {@code kernel}, never more. */
    private static void assertListed(JsonNode top, long id, String path, long kernel) {
        JsonNode line = null;
        for (JsonNode c : top) {
            if (c.get("id").asLong() == id) {
                line = c;
            }
        }
        assertThat(line).as("cgroup %s (id %d) in %s", path, id, top).isNotNull();
        assertThat(line.get("cgroup").asText()).isEqualTo(path);
        assertThat(line.get("count").asLong()).as("switches into %s's tasks: the kernel counted %d", path, kernel)
                .isBetween((long) Math.floor(kernel * SHARE), kernel);
        assertThat(line.get("mean_ns").asDouble()).as("a switch takes microseconds").isPositive().isLessThan(1_000_000.0);
        assertThat(line.get("p99_ns").asLong()).isPositive().isLessThanOrEqualTo(line.get("max_ns").asLong());
    }

    /** The kernel's switches into the tasks of {@code load} between the two readings. */
    private static long grown(ForkedLoad load, Map<Integer, Long> before, Map<Integer, Long> after) {
        long n = 0;
        for (int pid : load.pids()) {
            n += after.get(pid) - before.get(pid);
        }
        return n;
    }
}
