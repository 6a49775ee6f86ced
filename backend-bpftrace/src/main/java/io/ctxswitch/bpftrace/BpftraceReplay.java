package io.ctxswitch.bpftrace;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;

/**
 * --replay of our script's output, captured from bpftrace as text or as {@code -f json}: recognised
 * by the script's first line or its map names.
 */
public final class BpftraceReplay implements ReplayFormat {

    @Override
    public String name() {
        return "bpftrace output of ctxswitch's script";
    }

    @Override
    public boolean recognises(byte[] head, int length) {
        String text = new String(head, 0, length, StandardCharsets.ISO_8859_1);
        return text.contains(BpftraceScript.HEADER) || text.contains("@ctxsw_");
    }

    @Override
    public LatencySource replay(InputStream input, String inputName, TraceOptions options) {
        return new Source(input, inputName);
    }

    /** Reads the whole output on a thread of its own, then reports itself finished. */
    static final class Source implements LatencySource {
        private final InputStream input;
        private final String inputName;
        private final BpftraceResult result = new BpftraceResult();
        private volatile boolean done;
        private volatile boolean stopRequested;
        private volatile Runnable onFinished = () -> { };
        private volatile IOException failure;
        private boolean drained;
        private Thread reader;

        Source(InputStream input, String inputName) {
            this.input = input;
            this.inputName = inputName;
        }

        @Override
        public String name() {
            return BpftraceSource.NAME;
        }

        @Override
        public Availability availability(TraceOptions options) {
            return Availability.ok("replay of " + inputName);
        }

        @Override
        public void start(TraceOptions options) {
            reader = new Thread(this::read, "ctxswitch-bpftrace-replay");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (input) {
                result.readAll(input, () -> stopRequested, line -> { });
            } catch (IOException e) {
                failure = e;
            } finally {
                done = true;
                onFinished.run();
            }
        }

        @Override
        public String probeDescription() {
            String probe = result.probe();
            String mode = probe == null ? "unknown probe" : probe;
            try {
                return BpftraceProbe.of(ProbeMode.parse(mode)).description() + " (replay of " + inputName + ")";
            } catch (RuntimeException e) {
                return mode + " in bpftrace (replay of " + inputName + ")";
            }
        }

        @Override
        public LatencyStats drain() throws SourceException {
            if (drained || (!done && !stopRequested)) {
                return new LatencyStats();
            }
            drained = true;
            synchronized (result) {
                if (failure != null && !stopRequested) {
                    throw SourceException.input("cannot read " + inputName + ": " + failure.getMessage());
                }
                if (!result.hasMaps()) {
                    throw SourceException.input(inputName + " has none of the figures of ctxswitch's bpftrace script"
                            + " (bpftrace prints them when it stops: was it cut short?)");
                }
                return result.stats();
            }
        }

        @Override
        public long progress() {
            return -1;
        }

        @Override
        public boolean finished() {
            return done;
        }

        @Override
        public void onFinished(Runnable callback) {
            onFinished = callback;
            if (done) {
                callback.run();
            }
        }

        @Override
        public OptionalLong coveredNs() {
            long elapsed = result.ended() ? result.elapsedNs() : result.snapshotElapsedNs();
            return elapsed >= 0 ? OptionalLong.of(elapsed) : OptionalLong.empty();
        }

        @Override
        public List<String> warnings() {
            List<String> warnings = new java.util.ArrayList<>();
            if (result.skippedLines() > 0) {
                warnings.add(result.skippedLines() + " lines of " + inputName + " were not understood and were skipped");
            }
            if (!result.ended() && result.snapshotElapsedNs() >= 0) {
                warnings.add(inputName + " ends without bpftrace's final figures (was it killed?): these are its last snapshot's, "
                        + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(result.snapshotElapsedNs()) + " s after it started");
            }
            return warnings;
        }

        @Override
        public void stop() {
            stopRequested = true;
            if (reader != null) {
                try {
                    reader.join(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
