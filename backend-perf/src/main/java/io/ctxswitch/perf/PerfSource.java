package io.ctxswitch.perf;

import io.ctxswitch.core.files.OutputFile;
import io.ctxswitch.core.files.PrivateDirectory;
import io.ctxswitch.core.host.Capabilities;
import io.ctxswitch.core.host.ChildProcess;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.model.WallClock;
import io.ctxswitch.core.spi.Feature;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The perf backend, read while it records: {@code perf record -a --switch-events -e sched:sched_switch
 * -o -} writes its pipe format into a file in a private directory (the recording {@code --record}
 * keeps); we follow that file as it grows into {@code perf script -i -} ({@link FileFollower}), and
 * read perf script's text as it comes into the pairing engine ({@link LivePairing}), the same parser
 * and pairing rule as {@code --replay}. So the figures
 * grow while perf runs: drained per interval ({@code --interval}), read whole by an exporter
 * ({@code --serve}), and still there if perf is killed. perf starts with its events disabled and
 * enables them through its control FIFO, so that "tracing" is said only once perf records; the same
 * FIFO makes it write what its buffers hold four times a second ({@link PerfControl}). Every child
 * goes through {@link ChildProcess}; the private directory goes on every exit path.
 */
public final class PerfSource implements LatencySource {
    public static final String NAME = "perf";
    static final Path TRACEFS_SCHED_SWITCH = Path.of("/sys/kernel/tracing/events/sched/sched_switch");
    static final Path DEBUGFS_SCHED_SWITCH = Path.of("/sys/kernel/debug/tracing/events/sched/sched_switch");
    /** perf record, stopped, writes what its buffers hold and exits: a second or so, more on a busy machine. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /** After perf record's exit, for the last of its file to be copied into perf script, which may be behind. */
    private static final Duration STREAM_END = Duration.ofSeconds(60);
    private static final String RECORDING = "perf.data";

    private final PerfSettings settings;
    private PerfTool perf;
    private PrivateDirectory dir;
    private PerfControl control;
    private ChildProcess record;
    private ChildProcess script;
    private FileFollower follower;
    private Thread reader;
    private volatile LivePairing engine;
    private volatile IOException readFailure;
    private OutlierWatch watch; // --slower, or null
    private java.util.function.Consumer<io.ctxswitch.core.model.Outlier> outlierSink = o -> { };
    private OutputFile keep;
    private volatile boolean stopping;
    private volatile String died; // which perf ended before it was stopped, and how ("perf record was killed (signal 9)"); null while both run
    private volatile String diedHad; // what it had done until then: "written" (perf record), "printed" (perf script)
    private volatile boolean closed;
    private volatile boolean startCancelled;
    private volatile Runnable onFinished = () -> { };
    private boolean drained;
    private SourceException failure; // perf died while tracing (the figures are partial), or the recording was not kept
    private final List<String> warnings = new ArrayList<>();

    @jakarta.inject.Inject
    public PerfSource(PerfSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Figures while it records (intervals, and cumulative readings for an exporter, per CPU: perf's output is
     * read as it comes), per task (the parser keeps them), the recording (the perf.data stream), and
     * the filters whose fields a switch record carries, applied in user space once a switch is paired
     * (perf records every switch; --record keeps them all).
     */
    @Override
    public Set<Feature> features() {
        Set<Feature> features = EnumSet.of(Feature.INTERVAL, Feature.SERVE, Feature.SERVE_PER_CPU, Feature.PER_TASK, Feature.RECORD, Feature.OUTLIERS);
        features.addAll(TRACE_FEATURES);
        return features;
    }

    /**
     * What a trace of ours carries, live or replayed: what the filters need (all but the cgroup, which no perf
     * record names), and sched_switch's prev_state for --by=kind.
     */
    static final Set<Feature> TRACE_FEATURES = java.util.Collections.unmodifiableSet(EnumSet.of(Feature.PID_FILTER,
            Feature.TID_FILTER, Feature.COMM_FILTER, Feature.CPU_FILTER, Feature.IDLE_FILTER, Feature.BY_KIND));

    @Override
    public Availability availability(TraceOptions options) {
        try {
            String version = PerfTool.find(settings.binary()).version();
            Capabilities capabilities = Capabilities.current();
            if (!capabilities.canPerfSystemWide() && !paranoidAllowsEveryone()) {
                return Availability.missing("perf record -a needs root (or CAP_PERFMON, or kernel.perf_event_paranoid=-1): "
                        + capabilities.howToGet("CAP_PERFMON"));
            }
            if (!Files.isDirectory(TRACEFS_SCHED_SWITCH) && !Files.isDirectory(DEBUGFS_SCHED_SWITCH)) {
                return Availability.missing("perf needs tracefs for sched:sched_switch: mount it with"
                        + " 'mount -t tracefs nodev /sys/kernel/tracing'");
            }
            return Availability.ok(version + " with switch events");
        } catch (SourceException e) {
            return Availability.missing(e.getMessage());
        }
    }

    private static boolean paranoidAllowsEveryone() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/perf_event_paranoid")).strip()) <= -1;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void onFinished(Runnable callback) {
        onFinished = callback;
    }

    /** --slower: handed over when the recording is read, after tracing stops (perf records first, pairs later). */
    @Override
    public void onOutlier(java.util.function.Consumer<io.ctxswitch.core.model.Outlier> sink) {
        outlierSink = sink;
    }

    @Override
    public void start(TraceOptions options) throws SourceException {
        Availability availability = availability(options);
        if (!availability.available()) {
            throw SourceException.environment(availability.reason());
        }
        perf = PerfTool.find(settings.binary());
        keep = options.record();
        SwitchFilter filter = options.filter();
        try {
            dir = new PrivateDirectory();
            control = PerfControl.make(dir);
            if (options.slowerNs() > 0) {
                watch = new OutlierWatch(options.slowerNs(), WallClock.fromJvm(), outlierSink);
            }
            engine = new LivePairing(filter, options.byKind(), watch);
            script = perf.scriptFromStdin(); // first: it waits for the stream's header
            // "-o -": perf's pipe format, written as it goes (a perf.data file gets its header last, so
            // it can be read only once perf has stopped); perf script and --replay read it like any perf.data.
            Path data = dir.resolve(RECORDING);
            List<String> args = new ArrayList<>(List.of("record", "-a", "--switch-events", "-e", "sched:sched_switch", "-q",
                    "-D", "-1", control.option(), "-o", "-"));
            if (watch != null) { // --slower: timestamps of the clock that converts to wall-clock time
                args.addAll(List.of("-k", "CLOCK_MONOTONIC"));
            }
            record = perf.command(args.toArray(String[]::new)).stdoutTo(data).start();
            ChildProcess recorder = record;
            follower = new FileFollower(data, script.stdin(), recorder::isAlive);
            InputStream text = script.stdout();
            reader = new Thread(() -> read(text), "ctxswitch-perf-script");
            reader.setDaemon(true);
            reader.start();
            control.enable(record, () -> startCancelled);
            record.onExit().thenRun(() -> ended("perf record", record, "written"));
            script.onExit().thenRun(() -> ended("perf script", script, "printed"));
            control.startPinging();
        } catch (IOException e) {
            close();
            throw SourceException.environment("perf could not be started: " + e.getMessage());
        } catch (SourceException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** perf script's text, line by line into the engine, until its end (perf record's stream ended, or it died). */
    private void read(InputStream text) {
        LivePairing pairing = engine;
        LineReader lines = new LineReader(text);
        try (text) {
            while (lines.next()) {
                pairing.take(lines.buffer(), lines.start(), lines.end(), lines.overlong());
            }
        } catch (IOException e) {
            readFailure = e;
        } finally {
            pairing.finish();
        }
    }

    /** One of the two perf children exited; before a stop, that ends the run, and the final drain says which and how. */
    private void ended(String which, ChildProcess child, String what) {
        if (stopping || died != null) {
            return;
        }
        int status = child.exitStatus();
        diedHad = what;
        died = which + " " + (status > 128 ? "was killed (signal " + (status - 128) + ")" : "exited with status " + status);
        onFinished.run(); // end the session; the final drain says why
    }

    /** perf acknowledges within a second or so, but may hang (a stuck tracefs): a stop ends the wait. */
    @Override
    public void cancelStart() {
        startCancelled = true;
    }

    @Override
    public String probeDescription() {
        return PerfScriptFormat.PROBE + " (perf record --switch-events)";
    }

    /**
     * While perf records: what its output brought since the previous drain (a switch whose IN has
     * not been read yet counts in a later one). After the stop: the rest, once perf script has
     * printed all of perf record's stream. If a perf died while tracing, the figures are what was
     * read until then, and {@link #failure} says so; it also says when the recording could not be
     * kept where --record asked.
     */
    @Override
    public LatencyStats drain() throws SourceException {
        if (engine == null || drained) {
            return new LatencyStats();
        }
        if (!stopping) {
            return engine.drain();
        }
        drained = true;
        awaitTheEnd();
        LatencyStats rest = engine.drain();
        String how = died;
        if (how != null) {
            if (engine.switchRecords() == 0) {
                throw PerfControl.failed(record, how + " while tracing; it had recorded nothing, so there are no figures");
            }
            failure = SourceException.environment(how + " while tracing; the figures are those of what it had " + diedHad + " until then");
        }
        if (keep != null) {
            keep(dir.resolve(RECORDING));
        }
        if (how == null) {
            checkScriptEnded();
        }
        if (readFailure != null) {
            throw SourceException.environment(and() + "reading perf script's output failed: " + readFailure.getMessage());
        }
        warnings.addAll(TraceVerdict.warnings(engine.outcome(), rest.skippedLines()));
        return rest;
    }

    /** The stream copied to its end, and perf script's output read to its end. */
    private void awaitTheEnd() throws SourceException {
        try {
            if (!follower.await(STREAM_END)) {
                throw SourceException.environment(and() + "perf script did not take the rest of perf record's output within "
                        + STREAM_END.toSeconds() + " s of its exit");
            }
            while (reader.isAlive()) { // perf script may have a backlog to print: as long as it runs
                reader.join(script.isAlive() ? 1000 : PerfTool.SCRIPT_EXIT.toMillis());
                if (reader.isAlive() && !script.isAlive()) {
                    throw SourceException.environment(and() + "perf script's output did not end within "
                            + PerfTool.SCRIPT_EXIT.toSeconds() + " s of its exit");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while reading perf's output");
        }
    }

    private void checkScriptEnded() throws SourceException {
        try {
            if (!script.waitFor(PerfTool.SCRIPT_EXIT)) {
                throw SourceException.environment(and() + "perf script did not exit within " + PerfTool.SCRIPT_EXIT.toSeconds()
                        + " s of the end of its output");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while waiting for perf script");
        }
        if (script.exitStatus() != 0) {
            throw SourceException.environment(and() + "perf script failed: " + PerfTool.firstLine(script.stderr()));
        }
    }

    /** The failure so far and "; and ", to put before another error, or nothing. */
    private String and() {
        return failure != null ? failure.getMessage() + "; and " : "";
    }

    /**
     * Copies the recording where the user asked (--record). If that fails, the private directory
     * stays so that the recording is not lost, and the run ends in an error, after the figures,
     * naming the file, the reason and where the recording still is.
     */
    private void keep(Path data) {
        try {
            keep.copyFrom(data);
        } catch (IOException e) {
            dir.retain();
            String notKept = keep.notKept("the recording", e.getMessage(), data);
            failure = SourceException.environment(failure == null ? notKept : failure.getMessage() + "; and " + notKept);
        }
    }

    /** Everything read since the start; nothing before start or after close. */
    @Override
    public CumulativeFigures cumulative() {
        LivePairing pairing = engine;
        return pairing == null || closed ? CumulativeFigures.empty() : pairing.cumulative();
    }

    @Override
    public SourceException failure() {
        return failure;
    }

    @Override
    public long progress() {
        LivePairing pairing = engine;
        return pairing == null ? -1 : pairing.samples();
    }

    @Override
    public boolean finished() {
        return died != null;
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    /**
     * No more pings; SIGTERM to perf record, which writes what its buffers hold and exits (SIGKILL if
     * it has not within the grace). perf script then prints the rest of the stream and exits; the
     * next drain waits for that.
     */
    @Override
    public void stop() {
        stopping = true;
        if (control != null) {
            control.close();
        }
        if (record != null) {
            record.stop(STOP_GRACE);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (control != null) {
            control.close();
        }
        if (record != null) {
            record.close();
        }
        if (script != null) {
            script.close();
        }
        if (dir != null) {
            dir.close();
            dir = null;
        }
    }
}
