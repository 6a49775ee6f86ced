package io.ctxswitch.cli;

import com.google.inject.Provider;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.Feature;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Chooses the backend: the one named, or with "auto" the first (in the map's order, best first) that
 * has every feature the command line asks for and can run here. What a backend can do is what it
 * declares ({@link LatencySource#features}, less those it lacks in the probe mode asked for,
 * {@link LatencySource#featuresLackedIn}), never its name: an option no chosen backend can honour
 * is a usage error found before anything on the host is probed. Backends are constructed through
 * their providers only when considered, and constructing one does nothing.
 */
final class BackendSelector {
    static final String AUTO = "auto";

    /** The source to run, and for "auto" why it was chosen (null when named by the user). */
    record Choice(LatencySource source, String note) {
    }

    private final Map<String, Provider<LatencySource>> backends;

    BackendSelector(Map<String, Provider<LatencySource>> backends) {
        this.backends = backends;
    }

    /** The backends of this build, best first. */
    List<String> names() {
        return List.copyOf(backends.keySet());
    }

    /** A new source of the backend {@code name}, one of {@link #names}. */
    LatencySource source(String name) {
        return backends.get(name).get();
    }

    /** Whether {@code name} is a backend users may ask for. */
    boolean known(String name) {
        return AUTO.equals(name) || backends.containsKey(name);
    }

    /** Whether {@code source} has {@code feature} in probe mode {@code probe} (--probe as given). */
    private static boolean has(LatencySource source, Feature feature, ProbeMode probe) {
        return source.features().contains(feature) && !source.featuresLackedIn(probe).containsKey(feature);
    }

    /**
     * Null if {@code requested} (or with "auto", at least one backend) has every feature in
     * {@code wanted} in probe mode {@code probe}; else the usage error, one line, saying why when the
     * backend has the feature in other modes, and naming the backends that can. Probes nothing.
     *
     * @param wanted each feature the command line asks for, with the option that asked for it
     */
    String refusal(String requested, Map<Feature, String> wanted, ProbeMode probe) {
        if (!AUTO.equals(requested)) {
            LatencySource source = source(requested);
            for (Map.Entry<Feature, String> want : wanted.entrySet()) {
                if (!has(source, want.getKey(), probe)) {
                    String why = source.featuresLackedIn(probe).get(want.getKey());
                    return want.getValue() + " is not supported by the " + requested + " backend"
                            + (why == null ? "" : " with --probe=" + probe + ": " + why) + "; " + capable(want.getKey(), want.getValue(), probe);
                }
            }
            return null;
        }
        for (String name : names()) {
            LatencySource source = source(name);
            if (wanted.keySet().stream().allMatch(f -> has(source, f, probe))) {
                return null;
            }
        }
        if (wanted.size() == 1) {
            Map.Entry<Feature, String> want = wanted.entrySet().iterator().next();
            return want.getValue() + " is not supported by any backend of this build";
        }
        List<String> each = new ArrayList<>();
        for (Map.Entry<Feature, String> want : wanted.entrySet()) {
            each.add(capable(want.getKey(), want.getValue(), probe));
        }
        return "no backend supports " + String.join(" with ", wanted.values()) + " (" + String.join("; ", each) + ")";
    }

    /** "backends that can: libbpf, bpftrace" for a feature in probe mode {@code probe}, or that none can. */
    private String capable(Feature feature, String option, ProbeMode probe) {
        List<String> can = new ArrayList<>();
        for (String name : names()) {
            if (has(source(name), feature, probe)) {
                can.add(name);
            }
        }
        return can.isEmpty() ? "no backend of this build supports " + option
                : (can.size() == 1 ? "the backend that can: " : "backends that can: ") + String.join(", ", can);
    }

    /**
     * The backend to run. {@link #refusal} must have been asked first: here a named backend is only
     * asked whether it can run, and auto passes over those without every wanted feature.
     */
    Choice choose(String requested, Map<Feature, String> wanted, TraceOptions options) throws SourceException {
        if (!AUTO.equals(requested)) {
            LatencySource source = source(requested);
            Availability availability = source.availability(options);
            if (!availability.available()) {
                throw SourceException.environment(availability.reason());
            }
            return new Choice(source, null);
        }
        List<String> passedOver = new ArrayList<>();
        List<String> unable = new ArrayList<>();
        for (String name : names()) {
            LatencySource source = source(name);
            List<String> missing = wanted.entrySet().stream()
                    .filter(w -> !has(source, w.getKey(), options.probe())).map(Map.Entry::getValue).toList();
            if (!missing.isEmpty()) {
                passedOver.add(name + ": no " + String.join(", no ", missing));
                continue;
            }
            Availability availability = source.availability(options);
            if (availability.available()) {
                String note = "backend auto: using " + name + " (" + availability.reason() + ")";
                if (!passedOver.isEmpty()) {
                    note += "; not " + String.join("; not ", passedOver);
                }
                return new Choice(source, note);
            }
            passedOver.add(name + ": " + availability.reason());
            unable.add(name + ": " + availability.reason());
        }
        String needing = wanted.isEmpty() ? "" : " with " + String.join(" and ", wanted.values());
        throw SourceException.environment("no backend can run here" + needing + ": " + String.join("; ", unable));
    }
}
