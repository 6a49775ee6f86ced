package io.ctxswitch.core.spi;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The probe points a backend measures between (docs/probes.md); AUTO lets the backend pick the best. */
public enum ProbeMode {
    AUTO("auto"),
    SCHED_TP("sched-tp"),
    FENTRY("fentry"),
    KPROBE("kprobe");

    private final String label;

    ProbeMode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static ProbeMode parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (ProbeMode mode : values()) {
            if (mode.label.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown probe '" + text + "' (expected one of: " + labels() + ")");
    }

    public static String labels() {
        return Arrays.stream(values()).map(ProbeMode::label).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return label;
    }
}
