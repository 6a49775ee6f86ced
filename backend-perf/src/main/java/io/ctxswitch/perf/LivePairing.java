package io.ctxswitch.perf;

import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.CumulativeCounts;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;

/**
 * The pairing engine fed while perf records: one reader thread hands it perf script's lines as they
 * come ({@link #take}); the session takes what was measured since its previous drain ({@link #drain})
 * and an exporter reads everything since the start ({@link #cumulative}), each from its own thread.
 * One lock, held for a line or a reading, never while anyone waits for input.
 */
final class LivePairing {
    private LatencyStats part = new LatencyStats();
    private final CumulativeCounts cumulative = new CumulativeCounts();
    private final ScriptPass pass;
    private long drainedSamples; // samples in the parts drained so far
    private volatile long samples; // for a status line, without the lock

    /**
     * @param byKind also classify each sample by kind ({@code --by=kind})
     * @param watch --slower: where to hand the switches at or above its threshold, as perf script prints them; or null
     */
    LivePairing(SwitchFilter filter, boolean byKind, OutlierWatch watch) {
        pass = new ScriptPass(part, null, filter, cumulative, byKind, watch);
    }

    /** One line of perf script's output, {@code buffer[start, end)}. */
    synchronized void take(byte[] buffer, int start, int end, boolean overlong) {
        pass.counted();
        pass.take(buffer, start, end, overlong);
        samples = part.total().count() + drainedSamples;
    }

    /** What was measured since the previous drain; a switch whose IN has not come yet counts in a later one. */
    synchronized LatencyStats drain() {
        LatencyStats taken = part;
        drainedSamples += taken.total().count();
        part = new LatencyStats();
        pass.into(part);
        return taken;
    }

    /** The end of perf's output: switches still waiting for their IN become unpaired (in the next drain). */
    synchronized void finish() {
        pass.finish();
    }

    /** Everything since the start, now. */
    synchronized CumulativeFigures cumulative() {
        return cumulative.figures();
    }

    synchronized PerfScriptReader.Outcome outcome() {
        return pass.outcome(false);
    }

    /** Switches seen so far (perf's switch records, samples or not). */
    synchronized long switchRecords() {
        return pass.switchRecords();
    }

    /** Samples so far, cheaply. */
    long samples() {
        return samples;
    }
}
