package io.ctxswitch.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.stats.CgroupTable;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * --by=cgroup in the report: the cgroups most switched into, most first, with path, id and exact figures; the
 * others and the overflow summed so that everything adds up to the count; a cgroup whose path was never read
 * still listed by its id; nulls without it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CgroupBreakdownTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Cgroup id 100 + k gets k + 1 samples of 1000 * (k + 1) ns each, as a kernel's aggregate would give them. */
    private static LatencyStats cgroups(int howMany) {
        LatencyStats stats = new LatencyStats();
        for (int k = 0; k < howMany; k++) {
            long n = k + 1;
            long ns = 1000 * n;
            stats.addCpu(0, n, n * ns, ns, ns);
            stats.addToDistribution(ns, n);
            stats.cgroups().add(100 + k, "/app/c" + k, n, n * ns, ns, ns);
            stats.cgroups().addToDistribution(100 + k, ns, n);
        }
        return stats;
    }

    @Test
    void theMostSwitchedIntoAreListedFirstAndEverythingAddsUpToTheCount() throws Exception {
        LatencyStats stats = cgroups(12);
        stats.cgroups().addOverflow(5);
        stats.addCpu(1, 5, 5 * 7, 7, 7); // the overflow's switches are in the totals
        Summary s = Summary.of("summary", "libbpf", "p", 1L, stats, false, 0);
        JsonNode json = JSON.readTree(new JsonRenderer().render(s));
        JsonNode top = json.get("top_cgroups");
        assertThat(top).hasSize(Summary.TOP_CGROUPS);
        List<String> paths = new ArrayList<>();
        long listed = 0;
        for (JsonNode c : top) {
            paths.add(c.get("cgroup").asText());
            listed += c.get("count").asLong();
        }
        assertThat(paths).containsExactly("/app/c11", "/app/c10", "/app/c9", "/app/c8", "/app/c7", "/app/c6", "/app/c5",
                "/app/c4", "/app/c3", "/app/c2");
        JsonNode first = top.get(0);
        assertThat(first.get("id").asLong()).isEqualTo(111);
        assertThat(first.get("count").asLong()).isEqualTo(12);
        assertThat(first.get("mean_ns").asDouble()).isEqualTo(12_000.0);
        assertThat(first.get("max_ns").asLong()).isEqualTo(12_000);
        assertThat(first.get("p99_ns").asLong()).isEqualTo(12_000);
        assertThat(json.get("other_cgroups_count").asLong()).as("c1 and c0: 2 + 1").isEqualTo(3);
        assertThat(json.get("cgroup_table_overflow").asLong()).isEqualTo(5);
        assertThat(listed + json.get("other_cgroups_count").asLong() + json.get("cgroup_table_overflow").asLong())
                .isEqualTo(json.get("count").asLong());
    }

    @Test
    void withoutByCgroupTheFieldsAreNullAndTheTextHasNoTable() throws Exception {
        LatencyStats stats = new LatencyStats();
        stats.addCpu(0, 1, 1000, 1000, 1000);
        stats.addToDistribution(1000, 1);
        Summary s = Summary.of("summary", "libbpf", "p", 1L, stats, false, 0);
        JsonNode json = JSON.readTree(new JsonRenderer().render(s));
        assertThat(json.get("top_cgroups").isNull()).isTrue();
        assertThat(json.get("other_cgroups_count").isNull()).isTrue();
        assertThat(json.get("cgroup_table_overflow").isNull()).isTrue();
        assertThat(new TextRenderer().render(s)).doesNotContain("cgroup");
    }

    /** Tracked but nothing measured: an empty list, not null (the breakdown was asked for and is empty). */
    @Test
    void aTrackedRunWithNoSwitchListsNoCgroup() throws Exception {
        LatencyStats stats = new LatencyStats();
        stats.cgroups().markTracked();
        JsonNode json = JSON.readTree(new JsonRenderer().render(Summary.of("summary", "libbpf", "p", 1L, stats, false, 0)));
        assertThat(json.get("top_cgroups")).isEmpty();
        assertThat(json.get("other_cgroups_count").asLong()).isZero();
    }

    /**
     * Parts add up cgroup by cgroup; a path known once is kept after the cgroup is gone (a later part knows only its
     * id), a path learnt later (a cgroup created while tracing, found at a later scan) is taken, and a cgroup whose
     * path was never known is listed by its id, its cgroup null.
     */
    @Test
    void partsAddUpAndAGoneCgroupKeepsItsIdAndAnyPathKnownBefore() throws Exception {
        LatencyStats total = new LatencyStats();
        LatencyStats first = new LatencyStats();
        first.cgroups().add(7, "/svc", 2, 3000, 1000, 2000);
        first.cgroups().add(9, null, 1, 500, 500, 500);
        first.cgroups().add(8, null, 1, 600, 600, 600);
        LatencyStats second = new LatencyStats();
        second.cgroups().add(7, null, 1, 4000, 4000, 4000);
        second.cgroups().add(8, "/late", 1, 400, 400, 400);
        total.add(first);
        total.add(second);
        total.addCpu(0, 6, 8500, 400, 4000);
        total.addToDistribution(2000, 6);
        Summary s = Summary.of("summary", "libbpf", "p", 1L, total, false, 0);
        JsonNode top = JSON.readTree(new JsonRenderer().render(s)).get("top_cgroups");
        assertThat(top).hasSize(3);
        assertThat(top.get(0).get("cgroup").asText()).isEqualTo("/svc");
        assertThat(top.get(0).get("id").asLong()).isEqualTo(7);
        assertThat(top.get(0).get("count").asLong()).isEqualTo(3);
        assertThat(top.get(0).get("mean_ns").asDouble()).isEqualTo(7000 / 3.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(top.get(0).get("max_ns").asLong()).isEqualTo(4000);
        assertThat(top.get(1).get("cgroup").asText()).isEqualTo("/late");
        assertThat(top.get(1).get("count").asLong()).isEqualTo(2);
        assertThat(top.get(2).get("cgroup").isNull()).isTrue();
        assertThat(top.get(2).get("id").asLong()).isEqualTo(9);
        String text = new TextRenderer().render(s);
        assertThat(text).containsPattern("\\n\\s+3\\s+2\\.33 us\\s+\\S+\\s+4\\.00 us\\s+7  /svc\\n")
                .containsPattern("\\n\\s+1 [^\\n]*\\s9  \\? \\(removed before its path was read\\)\\n")
                .contains("a cgroup's p99 within a factor of 1.42");
    }

    /** A bounded table: samples of cgroups past its capacity still count, in the overflow. */
    @Test
    void cgroupsPastTheCapacityCountInTheOverflow() {
        CgroupTable table = new CgroupTable(2);
        table.add(1, "/", 3, 30, 10, 10);
        table.add(2, "/a", 2, 20, 10, 10);
        table.add(3, "/b", 4, 40, 10, 10);
        table.addToDistribution(3, 10, 4);
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.overflowSamples()).isEqualTo(4);
        CgroupTable merged = new CgroupTable(1);
        merged.add(table);
        assertThat(merged.byCount()).extracting(c -> c.id()).containsExactly(1L);
        assertThat(merged.overflowSamples()).as("the other's overflow and its cgroup /a").isEqualTo(4 + 2);
    }

    /** The p99 comes from the cgroup's own distribution: here 99 fast switches and one slow one. */
    @Test
    void eachCgroupsP99IsItsOwn() throws Exception {
        LatencyStats stats = new LatencyStats();
        stats.addCpu(0, 200, 0, 100, 50_000);
        stats.cgroups().add(5, "/fast", 100, 100 * 100, 100, 100);
        stats.cgroups().addToDistribution(5, 100, 100);
        stats.cgroups().add(6, "/slow", 100, 98 * 1000 + 2 * 50_000, 1000, 50_000);
        stats.cgroups().addToDistribution(6, 1000, 98);
        stats.cgroups().addToDistribution(6, 50_000, 2);
        JsonNode top = JSON.readTree(new JsonRenderer().render(Summary.of("summary", "libbpf", "p", 1L, stats, false, 0)))
                .get("top_cgroups");
        assertThat(top.get(0).get("cgroup").asText()).as("equal counts: more total latency first").isEqualTo("/slow");
        assertThat(top.get(0).get("p99_ns").asDouble()).isBetween(50_000 * 0.99, 50_000.0);
        assertThat(top.get(1).get("p99_ns").asLong()).isEqualTo(100);
    }
}
