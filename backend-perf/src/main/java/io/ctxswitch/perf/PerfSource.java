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
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The perf backend: {@code perf record -a --switch-events -e sched:sched_switch} into a private
 * directory, started with its events disabled and enabled through perf's control FIFO, so that
 * "tracing" is said only once perf records. When tracing stops (or perf dies), {@code perf script}
 * prints the recording and the same parser as {@code --replay} reads it. The directory goes on every
 * exit path.
 */
public final class PerfSource implements LatencySource {
    public static final String NAME = "perf";
    static final Path TRACEFS_SCHED_SWITCH = Path.of("/sys/kernel/tracing/events/sched/sched_switch");
    static final Path DEBUGFS_SCHED_SWITCH = Path.of("/sys/kernel/debug/tracing/events/sched/sched_switch");
    private static final long ATTACH_TIMEOUT_S = 30;
    /** perf record, stopped, finishes writing its file: a second or so, more on a busy machine. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /** mkfifo makes a file: at once, unless the file system hangs. */
    private static final Duration MKFIFO_LIMIT = Duration.ofSeconds(10);

    private final PerfSettings settings;
    private PerfTool perf;
    private PrivateDirectory dir;
    private ChildProcess record;
    private OutlierWatch watch; // --slower, or null
    private java.util.function.Consumer<io.ctxswitch.core.model.Outlier> outlierSink = o -> { };
    private OutputFile keep;
    private volatile boolean stopping;
    private volatile boolean died;
    private volatile boolean startCancelled;
    private Runnable onFinished = () -> { };
    private boolean drained;
    private PerfScriptReader.Outcome outcome;
    private io.ctxswitch.core.spi.SwitchFilter filter = io.ctxswitch.core.spi.SwitchFilter.NONE;
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
     * Per-task figures (the parser keeps them), the recording (the perf.data file), and the filters whose
     * fields a switch record carries, applied in user space once a switch is paired (perf records every
     * switch; --record keeps them all); no intervals: the recording is read only when tracing stops.
     */
    @Override
    public Set<Feature> features() {
        Set<Feature> features = EnumSet.of(Feature.PER_TASK, Feature.RECORD, Feature.OUTLIERS);
        features.addAll(FILTERS);
        return features;
    }

    /** The filters perf's switch records carry what they need for: all but the cgroup. */
    static final Set<Feature> FILTERS = java.util.Collections.unmodifiableSet(EnumSet.of(Feature.PID_FILTER, Feature.TID_FILTER,
            Feature.COMM_FILTER, Feature.CPU_FILTER, Feature.IDLE_FILTER));

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
        filter = options.filter();
        try {
            dir = new PrivateDirectory();
            Path ctl = fifo("control");
            Path ack = fifo("ack");
            // "-o -": perf's pipe format, written as it goes (into a file all the same). A perf.data file
            // gets its header last, so a killed perf would leave nothing readable; this one can be read
            // up to the last event written, and perf script and --replay read it like any perf.data.
            java.util.List<String> args = new java.util.ArrayList<>(List.of("record", "-a", "--switch-events", "-e",
                    "sched:sched_switch", "-q", "-D", "-1", "--control=fifo:" + ctl + "," + ack, "-o", "-"));
            if (options.slowerNs() > 0) { // --slower: timestamps of the clock that converts to wall-clock time
                args.addAll(List.of("-k", "CLOCK_MONOTONIC"));
                watch = new OutlierWatch(options.slowerNs(), WallClock.fromJvm(), outlierSink);
            }
            record = perf.command(args.toArray(String[]::new))
                    .stdoutTo(dir.resolve("perf.data")).start();
            enable(ctl, ack);
            record.onExit().thenRun(() -> {
                if (!stopping) {
                    died = true;
                    onFinished.run(); // perf died: end the session, drain() says why
                }
            });
        } catch (IOException e) {
            close();
            throw SourceException.environment("perf record could not be started: " + e.getMessage());
        } catch (SourceException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** perf acknowledges within a second or so, but may hang (a stuck tracefs): a stop ends the wait. */
    @Override
    public void cancelStart() {
        startCancelled = true;
    }

    private Path fifo(String name) throws IOException, SourceException {
        Path path = dir.resolve(name);
        try {
            ChildProcess.Outcome made = ChildProcess.command("mkfifo", "-m", "600", path.toString()).run(MKFIFO_LIMIT);
            if (!made.succeeded()) {
                throw SourceException.environment("mkfifo failed: " + (made.finished() ? PerfTool.firstLine(made.output())
                        : "it did not end within " + MKFIFO_LIMIT.toSeconds() + " s"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while starting perf");
        }
        return path;
    }

    /** Sends "enable" and waits for perf's "ack": from then on the events are recorded. */
    private void enable(Path ctl, Path ack) throws IOException, SourceException {
        // "rw" opens a FIFO without waiting for the other end, so a perf that died cannot hang us here.
        try (RandomAccessFile control = new RandomAccessFile(ctl.toFile(), "rw");
             RandomAccessFile answer = new RandomAccessFile(ack.toFile(), "rw")) {
            control.write("enable\n".getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
                try {
                    byte[] buf = new byte[4];
                    answer.readFully(buf);
                    return new String(buf, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    return "";
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ATTACH_TIMEOUT_S);
            while (true) {
                try {
                    String r = reply.get(100, TimeUnit.MILLISECONDS);
                    if (r.startsWith("ack")) {
                        return;
                    }
                    throw failed("perf record did not acknowledge");
                } catch (TimeoutException e) {
                    if (startCancelled) {
                        throw SourceException.cancelled("stopped while perf record was starting");
                    }
                    if (!record.isAlive()) {
                        throw failed("perf record failed");
                    }
                    if (System.nanoTime() > deadline) {
                        throw failed("perf record did not start within " + ATTACH_TIMEOUT_S + " s");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while starting perf");
                } catch (java.util.concurrent.ExecutionException e) {
                    throw failed("perf record failed");
                }
            }
        }
    }

    /** An environment error carrying the first line perf wrote to stderr. */
    private SourceException failed(String what) {
        String err = PerfTool.firstLine(record.stderr());
        return SourceException.environment(what + (err.isEmpty() ? "" : ": " + err));
    }

    @Override
    public String probeDescription() {
        return PerfScriptFormat.PROBE + " (perf record --switch-events)";
    }

    /**
     * Nothing while recording; after stop, the whole recording, read through perf script. If perf
     * died while tracing, what it had written until then, and {@link #failure} says so; it also says
     * when the recording could not be kept where --record asked.
     */
    @Override
    public LatencyStats drain() throws SourceException {
        if (record == null || record.isAlive() || drained) {
            return new LatencyStats();
        }
        drained = true;
        Path data = dir.resolve("perf.data");
        if (died) {
            int status = record.exitStatus();
            String how = "perf record " + (status > 128 ? "was killed (signal " + (status - 128) + ")" : "exited with status " + status)
                    + " while tracing";
            if (isEmpty(data)) {
                throw failed(how + "; it had recorded nothing, so there are no figures");
            }
            failure = SourceException.environment(how + "; the figures are those of what it had written until then");
        }
        if (keep != null) {
            keep(data);
        }
        LatencyStats stats = new LatencyStats();
        try (ChildProcess script = perf.script(data)) {
            try (InputStream in = script.stdout()) {
                outcome = PerfScriptReader.read(in, stats, () -> false, null, filter, watch);
            }
            String and = failure != null ? failure.getMessage() + "; and " : "";
            if (!script.waitFor(PerfTool.SCRIPT_EXIT)) {
                throw SourceException.environment(and + "perf script did not exit within " + PerfTool.SCRIPT_EXIT.toSeconds()
                        + " s of the end of its output");
            }
            if (script.exitStatus() != 0) {
                throw SourceException.environment(and + "perf script failed: " + PerfTool.firstLine(script.stderr()));
            }
        } catch (IOException e) {
            throw SourceException.environment("reading the recording with perf script failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while reading the recording");
        }
        warnings.addAll(TraceVerdict.warnings(outcome, stats.skippedLines()));
        return stats;
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

    private static boolean isEmpty(Path file) {
        try {
            return Files.size(file) == 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public SourceException failure() {
        return failure;
    }

    @Override
    public long progress() {
        return -1;
    }

    @Override
    public boolean finished() {
        return died;
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    /** SIGTERM: perf record finishes writing its file and exits (SIGKILL if it has not within the grace). */
    @Override
    public void stop() {
        stopping = true;
        if (record != null) {
            record.stop(STOP_GRACE);
        }
    }

    @Override
    public void close() {
        if (record != null) {
            record.close();
        }
        if (dir != null) {
            dir.close();
            dir = null;
        }
    }
}
