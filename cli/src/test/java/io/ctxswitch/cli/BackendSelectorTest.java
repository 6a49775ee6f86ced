package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Provider;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.Feature;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BackendSelectorTest {
    private static final Map<Feature, String> NOTHING = Map.of();

    private final List<String> constructed = new ArrayList<>();
    private final List<String> probed = new ArrayList<>();

    private Provider<LatencySource> backend(String name, Availability availability, Feature... features) {
        return backend(name, availability, Map.of(), features);
    }

    /** A backend that lacks some of its features in some probe modes, as {@code limits} says for each. */
    private Provider<LatencySource> backend(String name, Availability availability, Map<ProbeMode, Map<Feature, String>> limits,
                                            Feature... features) {
        return () -> {
            constructed.add(name);
            return new LatencySource() {
                @Override public String name() { return name; }
                @Override public Set<Feature> features() { return Set.of(features); }
                @Override public Map<Feature, String> featuresLackedIn(ProbeMode probe) { return limits.getOrDefault(probe, Map.of()); }
                @Override public Availability availability(TraceOptions o) {
                    probed.add(name);
                    return availability;
                }
                @Override public void start(TraceOptions o) { }
                @Override public String probeDescription() { return "p"; }
                @Override public LatencyStats drain() { return new LatencyStats(); }
                @Override public long progress() { return 0; }
                @Override public void stop() { }
                @Override public void close() { }
            };
        };
    }

    private static Map<Feature, String> wanting(Feature feature, String option) {
        Map<Feature, String> wanted = new EnumMap<>(Feature.class);
        wanted.put(feature, option);
        return wanted;
    }

    /** libbpf (intervals), bpftrace and perf (recordings), in that order of preference. */
    private Map<String, Provider<LatencySource>> threeBackends(Availability libbpf) {
        Map<String, Provider<LatencySource>> map = new LinkedHashMap<>();
        map.put("libbpf", backend("libbpf", libbpf, Feature.INTERVAL, Feature.PER_TASK));
        map.put("bpftrace", backend("bpftrace", Availability.ok("bpftrace 0.17"), Feature.RECORD, Feature.PER_TASK));
        map.put("perf", backend("perf", Availability.ok("perf 6.1"), Feature.RECORD, Feature.PER_TASK));
        return map;
    }

    @Test
    void autoTakesTheBestAvailableInTheMapsOrderAndSaysWhyTheBetterOnesWereNot() throws Exception {
        Map<String, Provider<LatencySource>> map = new LinkedHashMap<>();
        map.put("libbpf", backend("libbpf", Availability.missing("kernel 6.1 has no sched_entry_tp")));
        map.put("perf", backend("perf", Availability.ok("perf 6.1")));
        map.put("bpftrace", backend("bpftrace", Availability.ok("bpftrace 0.17")));
        BackendSelector.Choice choice = new BackendSelector(map).choose("auto", NOTHING, TraceOptions.defaults());
        assertThat(choice.source().name()).isEqualTo("perf");
        assertThat(choice.note()).contains("using perf").contains("not libbpf: kernel 6.1 has no sched_entry_tp");
        assertThat(probed).containsExactly("libbpf", "perf");
    }

    @Test
    void aNamedBackendIsTheOnlyOneConstructed() throws Exception {
        Map<String, Provider<LatencySource>> map = threeBackends(Availability.ok("yes"));
        BackendSelector selector = new BackendSelector(map);
        assertThat(selector.refusal("perf", wanting(Feature.RECORD, "--record"), ProbeMode.AUTO)).isNull();
        BackendSelector.Choice choice = selector.choose("perf", NOTHING, TraceOptions.defaults());
        assertThat(choice.source().name()).isEqualTo("perf");
        assertThat(choice.note()).isNull();
        assertThat(constructed).containsOnly("perf");
    }

    @Test
    void aNamedBackendThatCannotRunIsAnEnvironmentErrorWithItsReason() {
        Map<String, Provider<LatencySource>> map = Map.of("libbpf", backend("libbpf", Availability.missing("needs root")));
        assertThatThrownBy(() -> new BackendSelector(map).choose("libbpf", NOTHING, TraceOptions.defaults()))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SourceException.Kind.ENVIRONMENT);
                    assertThat(e.getMessage()).isEqualTo("needs root");
                });
    }

    @Test
    void nothingAvailableListsEveryReasonOnOneLine() {
        Map<String, Provider<LatencySource>> map = new LinkedHashMap<>();
        map.put("libbpf", backend("libbpf", Availability.missing("needs root")));
        assertThatThrownBy(() -> new BackendSelector(map).choose("auto", NOTHING, TraceOptions.defaults()))
                .isInstanceOf(SourceException.class)
                .hasMessage("no backend can run here: libbpf: needs root");
    }

    @Test
    void onlyTheBackendsOfThisBuildAreKnownAndListedBestFirst() {
        BackendSelector selector = new BackendSelector(threeBackends(Availability.ok("yes")));
        assertThat(selector.names()).containsExactly("libbpf", "bpftrace", "perf");
        assertThat(selector.known("auto")).isTrue();
        assertThat(selector.known("perf")).isTrue();
        assertThat(selector.known("dtrace")).isFalse();
    }

    @Test
    void aFeatureTheNamedBackendLacksIsRefusedNamingTheBackendsThatHaveItWithoutProbingAnything() {
        BackendSelector selector = new BackendSelector(threeBackends(Availability.ok("yes")));
        assertThat(selector.refusal("perf", wanting(Feature.INTERVAL, "--interval"), ProbeMode.AUTO))
                .isEqualTo("--interval is not supported by the perf backend; the backend that can: libbpf");
        assertThat(selector.refusal("libbpf", wanting(Feature.RECORD, "--record"), ProbeMode.AUTO))
                .isEqualTo("--record is not supported by the libbpf backend; backends that can: bpftrace, perf");
        assertThat(selector.refusal("libbpf", wanting(Feature.INTERVAL, "--interval"), ProbeMode.AUTO)).isNull();
        assertThat(probed).isEmpty();
    }

    @Test
    void autoRefusesOnlyWhatNoBackendCanDoAndSaysWhoCanDoEachPart() {
        BackendSelector selector = new BackendSelector(threeBackends(Availability.ok("yes")));
        assertThat(selector.refusal("auto", wanting(Feature.INTERVAL, "--interval"), ProbeMode.AUTO)).isNull();
        Map<Feature, String> both = wanting(Feature.INTERVAL, "--interval");
        both.put(Feature.RECORD, "--record");
        assertThat(selector.refusal("auto", both, ProbeMode.AUTO)).isEqualTo("no backend supports --interval with --record"
                + " (the backend that can: libbpf; backends that can: bpftrace, perf)");
        Map<String, Provider<LatencySource>> recordless = Map.of("libbpf", backend("libbpf", Availability.ok("yes")));
        assertThat(new BackendSelector(recordless).refusal("auto", wanting(Feature.RECORD, "--record"), ProbeMode.AUTO))
                .isEqualTo("--record is not supported by any backend of this build");
        assertThat(probed).isEmpty();
    }

    @Test
    void autoPassesOverTheBackendsWithoutAWantedFeatureWithoutProbingThem() throws Exception {
        BackendSelector selector = new BackendSelector(threeBackends(Availability.ok("yes")));
        BackendSelector.Choice choice = selector.choose("auto", wanting(Feature.RECORD, "--record"), TraceOptions.defaults());
        assertThat(choice.source().name()).isEqualTo("bpftrace");
        assertThat(choice.note()).contains("using bpftrace").contains("not libbpf: no --record");
        assertThat(probed).containsExactly("bpftrace");
    }

    @Test
    void autoWithAFeatureThatNoCapableBackendCanRunIsAnEnvironmentErrorNamingTheFeature() {
        BackendSelector selector = new BackendSelector(threeBackends(Availability.missing("needs root")));
        assertThatThrownBy(() -> selector.choose("auto", wanting(Feature.INTERVAL, "--interval"), TraceOptions.defaults()))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SourceException.Kind.ENVIRONMENT);
                    assertThat(e.getMessage()).isEqualTo("no backend can run here with --interval: libbpf: needs root");
                });
    }

    /**
     * A backend that has a feature in some probe modes only (bpftrace serves in sched-tp mode): named with
     * one of the others, it is refused with its reason, and the backends that can are those that have the
     * feature in the mode asked for; with --probe=auto it is taken, and auto passes over it only where a
     * mode limits it. Nothing is probed to decide.
     */
    @Test
    void aFeatureLackedInTheProbeModeAskedForIsRefusedWithTheBackendsReason() throws Exception {
        Map<String, Provider<LatencySource>> map = new LinkedHashMap<>();
        map.put("libbpf", backend("libbpf", Availability.missing("no BTF"), Feature.SERVE, Feature.SERVE_PER_CPU));
        map.put("bpftrace", backend("bpftrace", Availability.ok("bpftrace 0.23"),
                Map.of(ProbeMode.KPROBE, Map.of(Feature.SERVE, "its kprobe script prints no histogram while tracing")), Feature.SERVE));
        map.put("perf", backend("perf", Availability.ok("perf 6.1"), Feature.SERVE, Feature.SERVE_PER_CPU));
        BackendSelector selector = new BackendSelector(map);
        Map<Feature, String> serve = wanting(Feature.SERVE, "--serve");
        assertThat(selector.refusal("bpftrace", serve, ProbeMode.KPROBE)).isEqualTo("--serve is not supported by the bpftrace"
                + " backend with --probe=kprobe: its kprobe script prints no histogram while tracing; backends that can: libbpf, perf");
        assertThat(selector.refusal("bpftrace", serve, ProbeMode.SCHED_TP)).isNull();
        assertThat(selector.refusal("bpftrace", serve, ProbeMode.AUTO)).isNull();
        Map<Feature, String> perCpu = wanting(Feature.SERVE, "--serve");
        perCpu.put(Feature.SERVE_PER_CPU, "--serve with --per-cpu");
        assertThat(selector.refusal("bpftrace", perCpu, ProbeMode.AUTO))
                .isEqualTo("--serve with --per-cpu is not supported by the bpftrace backend; backends that can: libbpf, perf");
        assertThat(probed).isEmpty();

        TraceOptions kprobe = new TraceOptions(ProbeMode.KPROBE, false).withServe(true);
        BackendSelector.Choice choice = selector.choose("auto", serve, kprobe);
        assertThat(choice.source().name()).isEqualTo("perf");
        assertThat(choice.note()).contains("not libbpf: no BTF").contains("not bpftrace: no --serve");
        assertThat(selector.choose("auto", serve, new TraceOptions(ProbeMode.AUTO, false).withServe(true)).source().name())
                .isEqualTo("bpftrace");
        assertThat(probed).containsExactly("libbpf", "perf", "libbpf", "bpftrace");
    }
}
