package io.ctxswitch.core.stats;

import io.ctxswitch.core.model.SwitchKind;
import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Latency by kind of switch ({@code --by=kind}, {@link SwitchKind}): per kind the exact count, sum, min
 * and max, and a distribution for its percentiles. Every sample of a classified run is in exactly one
 * kind, so the kinds' counts add up to the total. A run without {@code --by=kind} leaves the table
 * unclassified, and reports show no breakdown (not a breakdown of zeros).
 */
public final class KindTable {
    private final Map<SwitchKind, ExactStats> exact = new EnumMap<>(SwitchKind.class);
    private final Map<SwitchKind, Histogram> distributions = new EnumMap<>(SwitchKind.class);
    private boolean classified;

    /** Says that the source classifies its switches: the breakdown is shown even where every kind is empty. */
    public void markClassified() {
        classified = true;
    }

    public boolean classified() {
        return classified;
    }

    /** One sample of this kind (sources that see each switch). */
    public void record(SwitchKind kind, long latencyNs) {
        classified = true;
        exact(kind).record(latencyNs);
        distribution(kind).recordValue(latencyNs);
    }

    /** Exact figures of {@code count} samples of one kind, aggregated elsewhere (in the kernel). */
    public void add(SwitchKind kind, long count, long sumNs, long minNs, long maxNs) {
        classified = true;
        exact(kind).add(count, sumNs, minNs, maxNs);
    }

    /** {@code count} samples of one kind of about {@code valueNs}, for its distribution only. */
    public void addToDistribution(SwitchKind kind, long valueNs, long count) {
        classified = true;
        if (count > 0) {
            distribution(kind).recordValueWithCount(valueNs, count);
        }
    }

    public void add(KindTable other) {
        classified |= other.classified;
        other.exact.forEach((kind, stats) -> exact(kind).add(stats));
        other.distributions.forEach((kind, h) -> distribution(kind).add(h));
    }

    /** The kind's exact figures (empty if it had no sample). */
    public ExactStats stats(SwitchKind kind) {
        ExactStats stats = exact.get(kind);
        return stats == null ? new ExactStats() : stats;
    }

    /** The kind's distribution, read-only use (empty if it had no sample). */
    public Histogram distributionOf(SwitchKind kind) {
        Histogram h = distributions.get(kind);
        return h == null ? new Histogram(LatencyStats.SIGNIFICANT_DIGITS) : h;
    }

    private ExactStats exact(SwitchKind kind) {
        return exact.computeIfAbsent(kind, k -> new ExactStats());
    }

    private Histogram distribution(SwitchKind kind) {
        return distributions.computeIfAbsent(kind, k -> new Histogram(LatencyStats.SIGNIFICANT_DIGITS));
    }
}
