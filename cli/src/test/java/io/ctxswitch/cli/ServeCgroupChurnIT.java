package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.run.TraceSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --serve --by=cgroup} (libbpf) on a node whose cgroups come and go: {@value #CGROUPS} cgroups, more than the
 * kernel's per-CPU cgroup table holds (64 entries in 16 sets of 4, by id), each in turn running a
 * pinned pipe ping-pong on CPU 0 for a while and removed after, one at a time, while serving with {@code --cgroup} on their parent
 * (so that nothing else is measured) and scraping after each. Checks that the switches stay attributed (the kernel
 * frees a cgroup's entry once two intervals closed without a sample of it, and serving closes one every
 * {@link TraceSession#DEFAULT_DRAIN}), that no series goes back between scrapes, that each cgroup served holds
 * the switches into its tasks while it ran there (the kernel's count, /proc/PID/status), "other" those of the cgroups
 * not served, and that the series and the unattributed add up to the summary at exit.
 *
 * <p>Before intervals were closed while serving, the table kept the first cgroups for the life of the process and
 * every switch into a cgroup whose set was full counted only in {@code ctxswitch_cgroup_unattributed_total}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServeCgroupChurnIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CGROUPS = 100;
    /** Switches away from the ping to wait for in each cgroup: each round trip is at least two. */
    private static final long PING_SWITCHES_EACH = 1_000;
    /** The kernel's table per CPU: sets chosen by the id's low bits, each of this many entries (docs/kernel-maps.md). */
    private static final int SETS = 16;
    private static final int WAYS = 4;
    /** "Within a few percent" of the kernel's count, never more, as ServeLabelsIT. */
    private static final double SHARE = 0.97;
    private static final String COUNT = "ctxswitch_latency_seconds_count";
    private static final String UNATTRIBUTED = "ctxswitch_cgroup_unattributed_total";

    @RegisterExtension
    static final CgroupV2 HIERARCHY = new CgroupV2("servechurn-cgroup2");

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
        ForkedLoad.assumeStartable("--serve --by=cgroup churn test");
    }

    /** One cgroup's turn: its id (the inode of its directory), when its load ran, the switches into the load meanwhile. */
    private record Turn(String path, long id, long startNs, long endNs, long switches) {
    }

    @Test
    void switchesIntoCgroupsThatComeAndGoStayAttributed() throws Exception {
        Path parent = HIERARCHY.create("churn");
        Path hold = HIERARCHY.create("churn/hold"); // where the stopped load waits while a cgroup is removed
        List<Turn> turns = new ArrayList<>();
        List<Map<String, Double>> scrapes = new ArrayList<>();
        JsonNode summary;
        // Made before serving starts, so that ctxswitch reads every path at its first look: one made and removed between
        // two looks (at most a second apart) is served in "other", its path unknown (README, "Breakdown by cgroup").
        List<Path> cgroups = new ArrayList<>();
        for (int i = 0; i < CGROUPS; i++) {
            cgroups.add(HIERARCHY.create("churn/c" + i));
        }
        try (ForkedLoad load = new ForkedLoad("churn-pp", 0, "ping", "pong")) {
            load.stop();
            load.moveTo(hold);
            int port = Loopback.freePort();
            String url = "http://127.0.0.1:" + port + "/metrics";
            Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), "--backend=libbpf", "--serve=" + port, "--format=json", "--by=cgroup",
                    "--cgroup=" + parent);
            Jar.Run run;
            try {
                ctxswitch.awaitErr("serving " + url, 60);
                scrapes.add(Exposition.scrape(url));
                for (int i = 0; i < CGROUPS; i++) {
                    Path cgroup = cgroups.get(i);
                    load.moveTo(cgroup);
                    Map<Integer, Long> before = load.kernelSwitches();
                    long start = System.nanoTime();
                    load.runUntil("ping", before.get(load.pid("ping")) + PING_SWITCHES_EACH);
                    long end = System.nanoTime();
                    long switches = 0;
                    for (Map.Entry<Integer, Long> after : load.kernelSwitches().entrySet()) {
                        switches += after.getValue() - before.get(after.getKey());
                    }
                    turns.add(new Turn("/churn/c" + i, (Long) Files.getAttribute(cgroup, "unix:ino"), start, end, switches));
                    scrapes.add(Exposition.scrape(url)); // the top cgroup since the scrape before: served while fewer than 50 are
                    load.moveTo(hold);
                    CgroupV2.removeWhenEmpty(cgroup);
                }
                scrapes.add(Exposition.scrape(url));
                ctxswitch.signal("TERM");
                run = ctxswitch.finish(60);
            } finally {
                ctxswitch.process.destroyForcibly();
            }
            assertThat(run.exit()).as(run.err()).isZero();
            summary = JSON.readTree(run.out());
        }
        for (int s = 1; s < scrapes.size(); s++) {
            Exposition.assertNeverLess(scrapes.get(s - 1), scrapes.get(s), s);
        }
        Map<String, Double> last = scrapes.get(scrapes.size() - 1);
        long allSwitches = turns.stream().mapToLong(Turn::switches).sum();
        long atRisk = switchesOfCgroupsThatMayFindTheirSetFull(turns);
        Map<String, Double> counts = new java.util.TreeMap<>();
        last.forEach((series, value) -> {
            if (series.startsWith(COUNT)) {
                counts.put(series.substring(COUNT.length()), value);
            }
        });
        System.out.printf("--serve --by=cgroup, %d cgroups one after another: the kernel's switches into their loads %d (at most %d of them"
                + " in a cgroup that could find its set full); unattributed %.0f; summary count %d; served %s%n", CGROUPS, allSwitches, atRisk,
                last.get(UNATTRIBUTED), summary.get("count").asLong(), counts);

        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            Map<String, Double> after = scrapes.get(i + 1);
            System.out.printf("%s id %d (set %d): %d switches, %.0f ms; after its turn: its series %s, other %s (before %s), unattributed %s%n",
                    t.path(), t.id(), t.id() & (SETS - 1), t.switches(), (t.endNs() - t.startNs()) / 1e6,
                    after.get(COUNT + "{cgroup=\"" + t.path() + "\"}"), after.get(COUNT + "{cgroup=\"other\"}"),
                    scrapes.get(i).get(COUNT + "{cgroup=\"other\"}"), after.get(UNATTRIBUTED));
        }
        assertThat(last.get(UNATTRIBUTED)).as("switches the kernel's table had no room for: at most those of cgroups whose set on CPU 0"
                + " could be full, held by %d others of it that ran within three intervals before", WAYS).isLessThanOrEqualTo((double) atRisk);
        long unserved = 0;
        int servedAtItsScrape = 0;
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            String series = COUNT + "{cgroup=\"" + t.path() + "\"}";
            Double count = last.get(series);
            if (scrapes.get(i + 1).containsKey(series)) { // given its series at the scrape after its turn: all of it there
                servedAtItsScrape++;
                assertThat(count).as("%s's series: the kernel counted %d switches into its tasks", t.path(), t.switches())
                        .isBetween(Math.floor(t.switches() * SHARE), (double) t.switches());
            } else { // in other then (over 50 served, or its path not read yet), whatever it was given later
                unserved += t.switches();
                assertThat(count == null ? 0 : count).as("%s, served only after its turn", t.path()).isZero();
            }
        }
        assertThat(servedAtItsScrape).as("cgroups served at the scrape after their turn (each the top one since the scrape before)")
                .isBetween(40, 50);
        assertThat(last.get(COUNT + "{cgroup=\"other\"}") + last.get(UNATTRIBUTED)).as("other and the unattributed: the cgroups not served")
                .isBetween(Math.floor(unserved * SHARE), (double) unserved);
        assertThat(Exposition.total(last, COUNT) + last.get(UNATTRIBUTED)).as("the series and the unattributed are every switch")
                .isEqualTo(summary.get("count").asDouble());
    }

    /**
     * The switches of the cgroups that may have found their set on CPU 0 full: a cgroup keeps its entry until two intervals
     * closed without a sample of it, so within {@link TraceSession#DEFAULT_DRAIN} x 2 of its last switch, and a third
     * for a close that comes late; a cgroup is at risk if {@value #WAYS} others of its set (the same low id bits) ran
     * within that before or while it did.
     */
    private static long switchesOfCgroupsThatMayFindTheirSetFull(List<Turn> turns) {
        long held = TraceSession.DEFAULT_DRAIN.toNanos() * 3;
        long atRisk = 0;
        for (Turn t : turns) {
            long sameSet = turns.stream().filter(o -> o != t && (o.id() & (SETS - 1)) == (t.id() & (SETS - 1))
                    && o.startNs() < t.endNs() && o.endNs() + held > t.startNs()).count();
            if (sameSet >= WAYS) {
                atRisk += t.switches();
            }
        }
        return atRisk;
    }
}
