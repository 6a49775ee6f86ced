package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link PromqlNames} on the forms that dashboards use. */
@Timeout(30)
class PromqlNamesTest {
    @Test
    void metricsAreTheIdentifiersThatAreNotFunctionsKeywordsLabelsOrDurations() {
        assertThat(PromqlNames.metrics("histogram_quantile(0.99, sum by (node, le) (rate(a_bucket{node=~\"$node\", cpu!=\"x y\"}[$__rate_interval])))"))
                .containsExactly("a_bucket");
        assertThat(PromqlNames.metrics("sum(rate(a_sum[5m] offset 1h)) without (cpu) / on (node) group_left(le) b_count * 1e-9 > bool 0"))
                .containsExactly("a_sum", "b_count");
        assertThat(PromqlNames.metrics("a and b or c unless d")).containsExactly("a", "b", "c", "d");
        assertThat(PromqlNames.metrics("label_values(ctxswitch_info, node)")).containsExactly("ctxswitch_info");
        assertThat(PromqlNames.metrics("label_values(node)")).isEmpty();
        assertThat(PromqlNames.metrics("count(x:recorded:rate5m)")).containsExactly("x:recorded:rate5m");
    }

    @Test
    void labelsComeFromMatchersAndGroupings() {
        assertThat(PromqlNames.labels("sum by (node, le) (rate(a{cpu!=\"\", node=~\"$node\"}[1m])) / on(instance) b"))
                .containsExactly("cpu", "instance", "le", "node");
        assertThat(PromqlNames.labels("label_values(ctxswitch_info{backend=\"libbpf\"}, node)")).containsExactly("backend", "node");
    }
}
