package io.ctxswitch.perf;

import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.core.spi.TraceOptions;
import java.io.InputStream;

/**
 * perf script text: recognised by a line in perf script's form (any event), so that a script of
 * other events is told how to record switch events rather than that it is no trace at all.
 */
public final class PerfScriptFormat implements ReplayFormat {
    static final String PROBE = "PERF_RECORD_SWITCH_CPU_WIDE OUT -> IN, per CPU";

    @Override
    public String name() {
        return "perf script text";
    }

    @Override
    public boolean recognises(byte[] head, int length) {
        PerfRecord record = new PerfRecord();
        int start = 0;
        for (int i = 0; i <= length; i++) {
            if (i == length || head[i] == '\n') {
                if (i == length && start > 0) {
                    break; // a cut-off last line proves nothing
                }
                switch (PerfScriptParser.parse(head, start, i, record)) {
                    case SWITCH_IN, SWITCH_OUT, SCHED_SWITCH, LOST, OTHER -> {
                        return true;
                    }
                    default -> {
                    }
                }
                start = i + 1;
            } else if (head[i] == 0) {
                return false; // binary
            }
        }
        return false;
    }

    @Override
    public LatencySource replay(InputStream input, String inputName, long skippedLines, TraceOptions options) {
        return new ScriptReplaySource(() -> input, inputName, PROBE + " (replay of " + inputName + ")", skippedLines, options.filter(),
                options.byKind(), options.slowerNs());
    }
}
