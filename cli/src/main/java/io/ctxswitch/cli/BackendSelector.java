package io.ctxswitch.cli;

import com.google.inject.Provider;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Chooses the backend: the one named, or with "auto" the first of {@link #PREFERENCE} that can run
 * here. Backends are constructed through their providers only when considered, so naming one
 * constructs only that one.
 */
final class BackendSelector {
    /** Best first: in-kernel aggregation by our own program, then bpftrace, then perf's recording. */
    static final List<String> PREFERENCE = List.of("libbpf", "bpftrace", "perf");
    static final String AUTO = "auto";

    /** The source to run, and for "auto" why it was chosen (null when named by the user). */
    record Choice(LatencySource source, String note) {
    }

    private final Map<String, Provider<LatencySource>> backends;

    BackendSelector(Map<String, Provider<LatencySource>> backends) {
        this.backends = backends;
    }

    /** Names the backends of this build, in order of preference. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        for (String name : PREFERENCE) {
            if (backends.containsKey(name)) {
                names.add(name);
            }
        }
        backends.keySet().stream().filter(n -> !PREFERENCE.contains(n)).sorted().forEach(names::add);
        return names;
    }

    /** Whether {@code name} is a backend users may ask for (built or not). */
    boolean known(String name) {
        return AUTO.equals(name) || PREFERENCE.contains(name) || backends.containsKey(name);
    }

    Choice choose(String requested, TraceOptions options) throws SourceException {
        if (!AUTO.equals(requested)) {
            Provider<LatencySource> provider = backends.get(requested);
            if (provider == null) {
                throw SourceException.environment("the " + requested + " backend is not part of this build yet"
                        + " (this build has: " + String.join(", ", names()) + ")");
            }
            LatencySource source = provider.get();
            Availability availability = source.availability(options);
            if (!availability.available()) {
                throw SourceException.environment(availability.reason());
            }
            return new Choice(source, null);
        }
        List<String> passedOver = new ArrayList<>();
        for (String name : names()) {
            LatencySource source = backends.get(name).get();
            Availability availability = source.availability(options);
            if (availability.available()) {
                String note = "backend auto: using " + name + " (" + availability.reason() + ")";
                if (!passedOver.isEmpty()) {
                    note += "; not " + String.join("; not ", passedOver);
                }
                return new Choice(source, note);
            }
            passedOver.add(name + ": " + availability.reason());
        }
        throw SourceException.environment("no backend can run here: " + String.join("; ", passedOver));
    }
}
