package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a --by=kind --slower run of src/test/vm/coverage.sh on a pipe ping-pong alone (LOAD_ROLES="ping pong") left
 * in a VM's output: the outliers and the summary, and the kernel's voluntary and nonvoluntary switch counts of the
 * pair, read after SIGSTOP and before ctxswitch stopped (the pair started after tracing began).
 */
record KindSlowerRun(String scenario, JsonNode summary, List<JsonNode> outliers, Set<Integer> pair, long voluntary,
                     long nonvoluntary) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static KindSlowerRun read(Path dir, String scenario) throws Exception {
        String exit = Files.readString(dir.resolve(scenario + ".exit")).strip();
        assertThat(exit).as("%s exit; stderr: %s", scenario, Files.readString(dir.resolve(scenario + ".err"), StandardCharsets.UTF_8))
                .isEqualTo("0");
        List<JsonNode> lines = KindReport.lines(JSON, Files.readString(dir.resolve(scenario + ".json"), StandardCharsets.UTF_8));
        Set<Integer> pair = new HashSet<>();
        long voluntary = 0;
        long nonvoluntary = 0;
        for (String line : Files.readAllLines(dir.resolve(scenario + ".tasks"))) {
            String[] f = line.trim().split("\\s+"); // ROLE PID VOLUNTARY NONVOLUNTARY
            pair.add(Integer.parseInt(f[1]));
            voluntary += Long.parseLong(f[2]);
            nonvoluntary += Long.parseLong(f[3]);
        }
        assertThat(pair).as("%s: the ping-pong's tasks", scenario).hasSize(2);
        return new KindSlowerRun(scenario, lines.get(lines.size() - 1), lines.subList(0, lines.size() - 1), pair, voluntary,
                nonvoluntary);
    }

    /**
     * The run, in probe mode {@code mode} with --slower at {@code slowerNs}: the kinds add up to the count; the kernel
     * counts a switch voluntary exactly when it is no preemption and A's state is not running, which is when the
     * classification says blocked (or exit; the pair never exits), so the pair's voluntary switches bound blocked from
     * below, its nonvoluntary ones preempted, each less the switches the run said it left untimed; the outliers are
     * the histogram's switches from the threshold up, each of the kind its own switch makes, with the pair's name.
     */
    void assertClassified(String mode, long slowerNs) throws Exception {
        long untimed = summary.get("untimed").asLong();
        System.err.printf("%s: count %d, untimed %d, by kind %s; the ping-pong's voluntary %d, nonvoluntary %d%n", scenario,
                summary.get("count").asLong(), untimed, summary.get("by_kind"), voluntary, nonvoluntary);
        assertThat(summary.get("probe").asText()).startsWith(mode + " (");
        assertThat(voluntary).as("%s: the ping-pong slept", scenario).isPositive();
        KindReport.assertKindsAddUp(summary);
        assertThat(KindReport.count(summary, "blocked") + untimed).as("%s: blocked (+ untimed %d): the ping-pong slept %d times",
                scenario, untimed, voluntary).isGreaterThanOrEqualTo((long) (KindReport.SHARE * voluntary));
        assertThat(KindReport.count(summary, "preempted") + untimed).as("%s: preempted (+ untimed %d): the ping-pong left its"
                + " CPU runnable %d times", scenario, untimed, nonvoluntary).isGreaterThanOrEqualTo((long) (KindReport.SHARE * nonvoluntary));

        KindReport.assertOutliersAreTheSlowSwitches(summary, outliers, slowerNs);
        String comm = MixedLoad.build().getFileName().toString();
        boolean pairSwitched = false;
        for (JsonNode o : outliers) {
            KindReport.assertKindMatchesItsSwitch(o);
            if (pair.contains(o.get("next_pid").asInt())) {
                assertThat(o.get("next_comm").asText()).as("%s", o).isEqualTo(comm);
            }
            if (pair.contains(o.get("prev_pid").asInt())) {
                assertThat(o.get("prev_comm").asText()).as("%s", o).isEqualTo(comm);
                pairSwitched |= pair.contains(o.get("next_pid").asInt());
            }
        }
        assertThat(pairSwitched).as("%s: an outlier from one of the ping-pong to the other", scenario).isTrue();
    }
}
