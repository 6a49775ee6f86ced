package io.ctxswitch.perf;

import io.ctxswitch.core.report.heatmap.TimeBinner;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.CumulativeCounts;
import io.ctxswitch.core.stats.LatencyStats;

/**
 * One pass over {@code perf script} text, a line at a time, whether the text is a whole recording
 * ({@link PerfScriptReader}) or a stream read while perf records ({@link LivePairing}): each line
 * parsed, the switch records paired ({@link SwitchPairer}), lost events and unreadable lines counted,
 * and what the pass found besides tallied for its {@link PerfScriptReader.Outcome}.
 */
final class ScriptPass {
    private final PerfRecord record = new PerfRecord();
    private final SwitchPairer pairer;
    private LatencyStats stats;
    private long lines;
    private long switches;
    private long schedSwitch;
    private int minDigits = 9;
    private long first;
    private long last;

    /**
     * @param times also bins each sample by its time, for a heat map; or null
     * @param cumulative also counts each sample and counter there, for an exporter; or null
     * @param byKind also classify each sample by kind ({@code --by=kind}, see {@link SwitchPairer})
     * @param watch --slower: where to hand the switches at or above its threshold; or null
     */
    ScriptPass(LatencyStats stats, TimeBinner times, SwitchFilter filter, CumulativeCounts cumulative, boolean byKind,
               OutlierWatch watch) {
        this.stats = stats;
        this.pairer = new SwitchPairer(stats, times, filter, byKind).countingInto(cumulative).watching(watch);
    }

    /** From now on, what the lines give goes into {@code next}; switches waiting for their IN stay pending. */
    void into(LatencyStats next) {
        stats = next;
        pairer.into(next);
    }

    /** Counts a line read (before it is looked at, so that a line on which a reader stops still counts as read). */
    void counted() {
        lines++;
    }

    /** Takes the line {@code buffer[start, end)}; an overlong one (dropped by the line reader) is a skipped line. */
    void take(byte[] buffer, int start, int end, boolean overlong) {
        if (overlong) {
            stats.addSkippedLines(1);
            return;
        }
        PerfRecord.Kind kind = PerfScriptParser.parse(buffer, start, end, record);
        switch (kind) {
            case SWITCH_OUT, SWITCH_IN -> {
                if (switches++ == 0) {
                    first = record.timeNs();
                }
                last = Math.max(last, record.timeNs());
                minDigits = Math.min(minDigits, record.timeDigits());
                pairer.accept(record);
            }
            case LOST -> pairer.accept(record);
            case SCHED_SWITCH -> {
                schedSwitch++;
                pairer.accept(record); // its prev_state: how the next OUT's task left (--by=kind)
            }
            case MALFORMED -> stats.addSkippedLines(1);
            default -> {
            }
        }
    }

    /** The end of the text: switches still waiting for their IN become unpaired. */
    void finish() {
        pairer.finish();
    }

    long switchRecords() {
        return switches;
    }

    PerfScriptReader.Outcome outcome(boolean stoppedEarly) {
        return new PerfScriptReader.Outcome(lines, switches, schedSwitch, minDigits, first, last, stoppedEarly);
    }
}
