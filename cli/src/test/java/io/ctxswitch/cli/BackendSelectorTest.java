package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Provider;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendSelectorTest {
    private final List<String> constructed = new ArrayList<>();

    private Provider<LatencySource> backend(String name, Availability availability) {
        return () -> {
            constructed.add(name);
            return new LatencySource() {
                @Override public String name() { return name; }
                @Override public Availability availability(TraceOptions o) { return availability; }
                @Override public void start(TraceOptions o) { }
                @Override public String probeDescription() { return "p"; }
                @Override public LatencyStats drain() { return new LatencyStats(); }
                @Override public long progress() { return 0; }
                @Override public void stop() { }
                @Override public void close() { }
            };
        };
    }

    @Test
    void autoTakesTheBestAvailableAndSaysWhyTheBetterOnesWereNot() throws Exception {
        Map<String, Provider<LatencySource>> map = new LinkedHashMap<>();
        map.put("perf", backend("perf", Availability.ok("perf 6.1")));
        map.put("libbpf", backend("libbpf", Availability.missing("kernel 6.1 has no sched_entry_tp")));
        BackendSelector.Choice choice = new BackendSelector(map).choose("auto", TraceOptions.defaults());
        assertThat(choice.source().name()).isEqualTo("perf");
        assertThat(choice.note()).contains("using perf").contains("not libbpf: kernel 6.1 has no sched_entry_tp");
    }

    @Test
    void aNamedBackendIsTheOnlyOneConstructed() throws Exception {
        Map<String, Provider<LatencySource>> map = new LinkedHashMap<>();
        map.put("libbpf", backend("libbpf", Availability.ok("yes")));
        map.put("perf", backend("perf", Availability.ok("yes")));
        BackendSelector.Choice choice = new BackendSelector(map).choose("perf", TraceOptions.defaults());
        assertThat(choice.source().name()).isEqualTo("perf");
        assertThat(choice.note()).isNull();
        assertThat(constructed).containsExactly("perf");
    }

    @Test
    void aNamedBackendThatCannotRunIsAnEnvironmentErrorWithItsReason() {
        Map<String, Provider<LatencySource>> map = Map.of("libbpf", backend("libbpf", Availability.missing("needs root")));
        assertThatThrownBy(() -> new BackendSelector(map).choose("libbpf", TraceOptions.defaults()))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SourceException.Kind.ENVIRONMENT);
                    assertThat(e.getMessage()).isEqualTo("needs root");
                });
    }

    @Test
    void nothingAvailableListsEveryReasonOnOneLine() {
        Map<String, Provider<LatencySource>> map = new LinkedHashMap<>();
        map.put("libbpf", backend("libbpf", Availability.missing("needs root")));
        assertThatThrownBy(() -> new BackendSelector(map).choose("auto", TraceOptions.defaults()))
                .isInstanceOf(SourceException.class)
                .hasMessage("no backend can run here: libbpf: needs root");
    }

    @Test
    void aContractBackendNotBuiltYetIsNamedAsSuch() {
        Map<String, Provider<LatencySource>> map = Map.of("libbpf", backend("libbpf", Availability.ok("yes")));
        BackendSelector selector = new BackendSelector(map);
        assertThat(selector.known("bpftrace")).isTrue();
        assertThat(selector.known("dtrace")).isFalse();
        assertThatThrownBy(() -> selector.choose("bpftrace", TraceOptions.defaults()))
                .hasMessageContaining("not part of this build").hasMessageContaining("libbpf");
    }
}
