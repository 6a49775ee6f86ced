package io.ctxswitch.bpftrace;

import io.ctxswitch.core.spi.BackgroundReplay;
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
import java.util.function.BooleanSupplier;

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
    public LatencySource replay(InputStream input, String inputName, long skippedLines, TraceOptions options) {
        // BEGIN's lines, printed before anything else, say whether the script classified: looked for in the first
        // lines, so that --by=kind on a recording without kinds is refused before it is read (a usage error).
        java.io.BufferedInputStream buffered = new java.io.BufferedInputStream(input, HEAD);
        boolean kinds;
        try {
            buffered.mark(HEAD);
            kinds = new String(buffered.readNBytes(HEAD), StandardCharsets.ISO_8859_1).contains(BpftraceScript.BY_KIND);
            buffered.reset();
        } catch (IOException e) {
            kinds = false; // read again, and reported, by the replay itself
        }
        Source source = new Source(buffered, inputName, skippedLines, kinds);
        if (options.byKind()) {
            source.result.classifyKinds();
        }
        return source;
    }

    /** How much of the recording's start is looked at for BEGIN's lines (they come first: a few hundred bytes). */
    private static final int HEAD = 4096;

    /** Our script's output, read (see {@link BackgroundReplay}) into the same result as a live bpftrace's. */
    static final class Source extends BackgroundReplay {
        private final InputStream input;
        private final BpftraceResult result = new BpftraceResult();

        private final boolean kinds;

        /**
         * @param skippedBefore lines passed over before the input (junk before the output), counted as skipped
         * @param kinds whether the recording's start says that the script classified each switch (--by=kind)
         */
        Source(InputStream input, String inputName, long skippedBefore, boolean kinds) {
            super(inputName);
            this.input = input;
            this.kinds = kinds;
            result.skippedBefore(skippedBefore);
        }

        @Override
        public String name() {
            return BpftraceSource.NAME;
        }

        /** --by=kind where the recording was made with it: its maps are keyed by kind too. */
        @Override
        public java.util.Set<io.ctxswitch.core.spi.Feature> features() {
            return kinds ? java.util.EnumSet.of(io.ctxswitch.core.spi.Feature.BY_KIND) : java.util.EnumSet.noneOf(io.ctxswitch.core.spi.Feature.class);
        }

        @Override
        protected void read(BooleanSupplier stop) throws IOException {
            try (input) {
                result.readAll(input, stop, line -> { });
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
        protected LatencyStats figures(boolean done) throws SourceException {
            synchronized (result) {
                if (!result.hasMaps()) {
                    throw SourceException.input(inputName + " has none of the figures of ctxswitch's bpftrace script"
                            + " (bpftrace prints them when it stops: was it cut short?)");
                }
                return result.stats();
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
                        + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(result.snapshotElapsedNs()) + " s after it started"
                        + BpftraceSource.without(false, result.hasDistribution()));
            }
            return warnings;
        }
    }
}
