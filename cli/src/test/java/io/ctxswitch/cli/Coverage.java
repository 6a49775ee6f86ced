package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one run of src/test/vm/coverage.sh left: per task of the mixed load, the switches into it
 * that ctxswitch measured against the kernel's count of switches out of it (voluntary +
 * nonvoluntary in /proc/PID/status, read once the task was stopped, before ctxswitch stopped).
 * Every task started after tracing began and was stopped before it ended, so the two counts are
 * equal for a tracer that sees every switch (the kernel's one more when a task never ran again).
 */
record Coverage(String kernel, String scenario, JsonNode summary, List<Task> tasks) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One task of the load: its role, what ctxswitch measured, what the kernel counted. */
    record Task(String role, int pid, long measured, long kernelSwitches, long maxNs) {
        double share() {
            return kernelSwitches == 0 ? 1.0 : (double) measured / kernelSwitches;
        }
    }

    static Coverage read(Path dir, String kernel, String scenario) throws IOException {
        String exit = Files.readString(dir.resolve(scenario + ".exit")).strip();
        String err = Files.readString(dir.resolve(scenario + ".err"), StandardCharsets.UTF_8);
        assertThat(exit).as("%s on %s exit; stderr: %s", scenario, kernel, err).isEqualTo("0");
        JsonNode summary = JSON.readTree(Files.readString(dir.resolve(scenario + ".json")));
        Map<Integer, JsonNode> byPid = new HashMap<>();
        for (JsonNode p : summary.get("top_processes")) {
            byPid.put(p.get("pid").asInt(), p);
        }
        List<Task> tasks = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(scenario + ".tasks"))) {
            String[] f = line.trim().split("\\s+");
            assertThat(f).as("task line '%s' of %s", line, scenario).hasSize(4);
            int pid = Integer.parseInt(f[1]);
            JsonNode p = byPid.get(pid);
            tasks.add(new Task(f[0], pid, p == null ? 0 : p.get("count").asLong(), Long.parseLong(f[2]) + Long.parseLong(f[3]),
                    p == null ? 0 : p.get("max_ns").asLong()));
        }
        assertThat(tasks).as("tasks of the load in %s", scenario).hasSize(6);
        return new Coverage(kernel, scenario, summary, tasks);
    }

    /** The table the test prints: per task, measured / kernel = share. */
    String table() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "coverage on %s, %s: probe %s%n  count %d, untimed %d (no start %d, no end %d), unpaired %d, no-switch %d%n",
                kernel, scenario, summary.get("probe").asText(), summary.get("count").asLong(), summary.get("untimed").asLong(),
                summary.get("untimed_no_start").asLong(), summary.get("untimed_no_end").asLong(),
                summary.get("unpaired").asLong(), summary.get("no_switch").asLong()));
        for (Task t : tasks) {
            out.append(String.format(Locale.ROOT, "  %-12s %8d measured / %8d switches = %6.2f %%   max %d ns%n",
                    t.role(), t.measured(), t.kernelSwitches(), 100 * t.share(), t.maxNs()));
        }
        return out.toString();
    }

    /**
     * No sample near an idle period of {@code periodNs} (within a fifth of it, either way): the
     * summary's histogram has no count there. A sample that long would be an idle period taken
     * for a switch, the original script's bug.
     */
    static void assertNoSampleNear(JsonNode summary, long periodNs, String what) {
        for (JsonNode bin : summary.get("histogram")) {
            boolean near = bin.get("to_ns").asLong() > periodNs * 4 / 5 && bin.get("from_ns").asLong() < periodNs * 6 / 5;
            assertThat(near && bin.get("count").asLong() > 0).as("%s: samples in [%d, %d) ns, near the idle period of %d ns",
                    what, bin.get("from_ns").asLong(), bin.get("to_ns").asLong(), periodNs).isFalse();
        }
    }

    /**
     * What a run with the 50 ms sleeper task (trace.sh's sleeper_task) left in {@code dir}: each switch
     * into the sleeper is a sample (one a wake-up, about 80 in 4 s), none of them near 50 ms, and no
     * sample of the run near 50 ms.
     */
    static void assertIdlePeriodsAreNotSamples(Path dir, String scenario, String what) throws IOException {
        assertThat(Files.readString(dir.resolve(scenario + ".exit")).strip()).as(Files.readString(dir.resolve(scenario + ".err")))
                .isEqualTo("0");
        JsonNode s = JSON.readTree(Files.readString(dir.resolve(scenario + ".json")));
        int pid = Integer.parseInt(Files.readString(dir.resolve(scenario + ".workload")).lines().findFirst().orElseThrow().split(" ")[1]);
        JsonNode task = null;
        for (JsonNode p : s.get("top_processes")) {
            task = p.get("pid").asInt() == pid ? p : task;
        }
        System.err.printf("%s: count %d, max %d ns, untimed %d, unpaired %d; the sleeper: %s%n", what, s.get("count").asLong(),
                s.get("max_ns").asLong(), s.get("untimed").asLong(), s.get("unpaired").asLong(), task);
        assertThat(task).as("%s: the 50 ms sleeper's samples", what).isNotNull();
        assertThat(task.get("count").asLong()).as("%s: switches into the sleeper, one per wake-up", what).isGreaterThanOrEqualTo(60);
        assertThat(task.get("max_ns").asLong()).as("%s: the sleeper's longest switch", what).isLessThan(25_000_000L);
        assertNoSampleNear(s, 50_000_000L, what);
    }

    /** No task has more samples than the kernel saw switches into it: no sample is invented. */
    void assertNothingInvented() {
        for (Task t : tasks) {
            assertThat(t.measured()).as("%s on %s, %s: samples into %s against the kernel's %d switches out of it",
                    scenario, kernel, t.role(), t.role(), t.kernelSwitches()).isLessThanOrEqualTo(t.kernelSwitches() + 1);
        }
    }

    /** Each task's share of measured switches is at least {@code minimum}. */
    void assertEachTaskMeasured(double minimum) {
        assertNothingInvented();
        for (Task t : tasks) {
            assertThat(t.share()).as("%s on %s: share of %s's switches measured (%d of %d)", scenario, kernel, t.role(),
                    t.measured(), t.kernelSwitches()).isGreaterThanOrEqualTo(minimum);
        }
    }
}
