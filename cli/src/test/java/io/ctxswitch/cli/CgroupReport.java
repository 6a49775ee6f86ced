package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/** Checks of what {@code --by=cgroup} reports, the same on every kernel and in every mode (ByCgroupIT, Linux61IT). */
final class CgroupReport {
    private CgroupReport() {
    }

    /** Every switch is in a cgroup listed, in the others or in the overflow: they add up to the count. */
    static void assertEverySwitchInACgroup(JsonNode summary) {
        long listed = 0;
        for (JsonNode c : summary.get("top_cgroups")) {
            listed += c.get("count").asLong();
        }
        assertThat(listed + summary.get("other_cgroups_count").asLong() + summary.get("cgroup_table_overflow").asLong())
                .as("every switch is in a cgroup listed, in the others or in the overflow: %s", summary.get("top_cgroups"))
                .isEqualTo(summary.get("count").asLong());
    }
}
