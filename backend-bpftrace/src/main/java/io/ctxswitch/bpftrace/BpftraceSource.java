package io.ctxswitch.bpftrace;

import io.ctxswitch.core.files.OutputFile;
import io.ctxswitch.core.files.PrivateDirectory;
import io.ctxswitch.core.host.ChildProcess;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.Feature;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The bpftrace backend: our generated script (see {@link BpftraceScript}) run by bpftrace as a child
 * process, no shell, the script on its command line. bpftrace aggregates in the kernel and prints
 * its maps when it is stopped with SIGTERM (or SIGINT, which a Ctrl+C on the terminal sends it too);
 * the figures come in one piece then. Meanwhile the script prints a snapshot of its small maps once a
 * second, which {@code --serve} serves in sched-tp mode ({@link #cumulative}).
 */
public final class BpftraceSource implements LatencySource {
    public static final String NAME = "bpftrace";
    /** Compiling and attaching takes bpftrace seconds; under emulation, much longer. */
    private static final long ATTACH_TIMEOUT_S = 180;
    /** bpftrace, stopped, prints its maps: large ones (per task) take a while, under emulation longer. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);
    /** After bpftrace's exit, at least this for the reader to parse the end of its output (else what is left of the grace). */
    private static final Duration LAST_OUTPUT = Duration.ofSeconds(5);
    /** Room for tasks in bpftrace's maps (its default is 4096 keys); 0.17 and later spellings. */
    private static final String MAP_KEYS = "16384";
    private static final String RECORDING = "bpftrace.out";

    private final BpftraceSettings settings;
    private BpftraceTool tool;
    private BpftraceHost.Choice choice;
    private ProbeMode choiceFor;
    private boolean choiceServing;
    private volatile boolean closed;
    private ChildProcess process;
    private final BpftraceResult result = new BpftraceResult();
    private final CountDownLatch attachedOrEnded = new CountDownLatch(1);
    private Thread stdoutReader;
    private volatile boolean ended;
    private volatile boolean endedUnasked; // bpftrace ended before we stopped it
    private volatile boolean stopRequested;
    private volatile boolean startCancelled;
    private volatile Runnable onFinished = () -> { };
    private volatile IOException readFailure;
    private boolean drained;
    private boolean perTask;
    private java.util.function.Consumer<io.ctxswitch.core.model.Outlier> outlierSink = o -> { };
    private SourceException failure; // bpftrace died mid-run (the figures are its last snapshot's), or --record failed
    // --record: bpftrace's output as it came, for a later --replay, written into a private directory
    // while tracing and copied where the user asked at the end (see keepRecording)
    private OutputFile keep;
    private PrivateDirectory recordingDir;
    private java.io.Writer recording;
    private volatile IOException recordingFailure; // writing it failed: recording stopped, measuring did not

    @jakarta.inject.Inject
    public BpftraceSource(BpftraceSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Per-task maps in the script, bpftrace's output kept as it came, the filters a condition in the
     * script can decide (--cgroup by B's cgroup's ancestors, see {@link BpftraceScript#condition}),
     * serving its once-a-second snapshots, cumulative, and classifying each switch by
     * kind (neither these two nor --cgroup in every mode: see {@link #featuresLackedIn}); not per CPU (the script's histogram is one for all CPUs: one per CPU
     * would multiply the keys each snapshot reads by the CPUs that switched, up to 3,840 a CPU); no
     * intervals: the snapshots' figures are totals, and bpftrace prints its full maps once, when stopped.
     */
    @Override
    public Set<Feature> features() {
        return EnumSet.of(Feature.PER_TASK, Feature.RECORD, Feature.SERVE, Feature.PID_FILTER, Feature.TID_FILTER,
                Feature.COMM_FILTER, Feature.CGROUP_FILTER, Feature.CPU_FILTER, Feature.IDLE_FILTER, Feature.OUTLIERS, Feature.BY_KIND,
                Feature.SERVE_BY_KIND);
    }

    /** Why the modes before 6.15 do not serve (issue 13's finding; see {@link BpftraceScript#snapshotMaps}). */
    static final String NOT_SERVING = "its kprobe and fentry scripts print their histogram only once stopped, since reading a map"
            + " while tracing makes the kernel skip kprobe and tracepoint programs on that CPU (bpf_prog_active) and lose switches";

    /**
     * --serve only where the snapshots hold the histogram, --by=kind only where the script classifies, --cgroup only
     * where it reads B's cgroup's ancestors: sched-tp.
     */
    @Override
    public Map<Feature, String> featuresLackedIn(ProbeMode probe) {
        if (probe == ProbeMode.AUTO || probe == BpftraceProbe.SCHED_TP.mode) {
            return Map.of();
        }
        String there = " with --probe=" + BpftraceProbe.SCHED_TP.mode + " (Linux 6.15+)";
        return Map.of(Feature.SERVE, NOT_SERVING + "; it serves" + there, Feature.BY_KIND, BpftraceScript.NOT_CLASSIFYING + "; it classifies" + there,
                Feature.CGROUP_FILTER, BpftraceScript.NO_CGROUP + "; it filters by cgroup" + there);
    }

    /** --slower: the script prints each outlier (printf), read back as bpftrace writes it. */
    @Override
    public void onOutlier(java.util.function.Consumer<io.ctxswitch.core.model.Outlier> sink) {
        outlierSink = sink;
    }

    @Override
    public Availability availability(TraceOptions options) {
        return choice(options).availability();
    }

    private BpftraceHost.Choice choice(TraceOptions options) {
        // Serving, classifying and --cgroup all need sched-tp (featuresLackedIn): auto considers only that mode then.
        boolean schedTpOnly = options.serve() || options.byKind() || options.filter().cgroup() != null;
        if (choice == null || choiceFor != options.probe() || choiceServing != schedTpOnly) {
            String problem = null;
            try {
                tool = BpftraceTool.find(settings.binary());
            } catch (SourceException e) {
                tool = null;
                problem = e.getMessage();
            }
            // Auto that can take only sched-tp: nothing to ask bpftrace --info (which loads a program) about fentry for.
            ProbeMode considered = schedTpOnly && options.probe() == ProbeMode.AUTO ? ProbeMode.SCHED_TP : options.probe();
            choice = BpftraceHost.gather(tool, problem, considered).choose(options.probe(), schedTpOnly, onlyIn(options));
            choiceFor = options.probe();
            choiceServing = schedTpOnly;
        }
        return choice;
    }

    /** What needs sched-tp and why, for the message when auto finds it missing. */
    private static String onlyIn(TraceOptions options) {
        if (options.filter().cgroup() != null) {
            return "--cgroup with bpftrace needs its sched-tp mode (" + BpftraceScript.NO_CGROUP + ")";
        }
        if (!options.byKind()) {
            return BpftraceHost.SERVING_NEEDS;
        }
        return (options.serve() ? "--serve and --by=kind with bpftrace need" : "--by=kind with bpftrace needs")
                + " its sched-tp mode (" + BpftraceScript.NOT_CLASSIFYING + ")";
    }

    @Override
    public String probeChoiceNote() {
        return choice == null ? null : choice.note();
    }

    @Override
    public void start(TraceOptions options) throws SourceException {
        BpftraceHost.Choice chosen = choice(options);
        if (chosen.probe() == null) {
            throw SourceException.environment(chosen.availability().reason());
        }
        perTask = options.perTask();
        io.ctxswitch.core.host.CgroupV2.Location cgroup = null;
        if (options.filter().cgroup() != null) { // the script compares B's cgroup's ancestor at the directory's level
            try {
                cgroup = io.ctxswitch.core.host.CgroupV2.locate(options.filter().cgroup());
            } catch (io.ctxswitch.core.host.CgroupV2.Refused e) {
                throw SourceException.environment(e.getMessage());
            }
        }
        String script = BpftraceScript.generate(chosen.probe(), tool.version(), perTask, options.filter(), options.slowerNs(),
                options.byKind(), cgroup);
        if (options.byKind()) {
            result.classifyKinds();
        }
        if (options.slowerNs() > 0) { // bpftrace's nsecs is CLOCK_MONOTONIC, as is HotSpot's nanoTime on Linux
            result.watchOutliers(outlierSink, io.ctxswitch.core.model.WallClock.fromJvm(), io.ctxswitch.core.host.CgroupPaths.ofThisHost());
        }
        if (options.record() != null) {
            keep = options.record();
            try {
                recordingDir = new PrivateDirectory();
                recording = Files.newBufferedWriter(recordingDir.resolve(RECORDING), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw SourceException.environment("cannot make a private directory for the recording: " + OutputFile.describe(e));
            }
        }
        try {
            process = command(script).environment("BPFTRACE_MAP_KEYS_MAX", MAP_KEYS).environment("BPFTRACE_MAX_MAP_KEYS", MAP_KEYS)
                    .start();
        } catch (IOException e) {
            throw SourceException.environment("bpftrace could not be started: " + e.getMessage());
        }
        stdoutReader = daemon("ctxswitch-bpftrace-out", () -> readOutput(process.stdout()));
        try {
            boolean settled = attachedOrEnded.await(ATTACH_TIMEOUT_S, TimeUnit.SECONDS);
            if (startCancelled) {
                close();
                throw SourceException.cancelled("stopped while bpftrace was starting");
            }
            if (!result.attached()) {
                String why = settled ? failure("bpftrace stopped before attaching its probes")
                        : "bpftrace did not attach its probes within " + ATTACH_TIMEOUT_S + " s";
                close();
                throw SourceException.environment(why);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while bpftrace was starting");
        }
    }

    /** bpftrace may compile for seconds (minutes under emulation): a stop meanwhile ends the wait. */
    @Override
    public void cancelStart() {
        startCancelled = true;
        attachedOrEnded.countDown();
    }

    /**
     * bpftrace with JSON output (one object per line, whatever the version prints for text) and
     * without its type warnings, ending with us if we are killed.
     */
    private ChildProcess.Builder command(String script) {
        return ChildProcess.command(tool.binary().toString(), "-f", "json", "--no-warnings", "-e", script);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void readOutput(InputStream out) {
        try (out) {
            result.readAll(out, () -> false, line -> {
                record(line);
                if (result.attached()) {
                    attachedOrEnded.countDown();
                }
            });
        } catch (IOException e) {
            readFailure = e;
        } finally {
            closeRecording();
            try {
                process.waitFor(STOP_GRACE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            endedUnasked = !stopRequested;
            ended = true;
            attachedOrEnded.countDown();
            onFinished.run();
        }
    }

    /** A line into the recording; if writing fails, the recording stops there but measuring goes on. */
    private void record(String line) {
        if (recording == null || recordingFailure != null) {
            return;
        }
        try {
            recording.write(line);
            recording.write('\n');
        } catch (IOException e) {
            recordingFailure = e;
        }
    }

    private void closeRecording() {
        if (recording != null) {
            try {
                recording.close();
            } catch (IOException e) {
                if (recordingFailure == null) {
                    recordingFailure = e;
                }
            }
        }
    }

    /**
     * Copies the recording where the user asked (--record), or says why it could not: then the
     * private directory stays, and the line returned names the file, the reason and where the
     * recording still is. Null if kept, or not asked for.
     */
    private String keepRecording() {
        if (keep == null) {
            return null;
        }
        Path data = recordingDir.resolve(RECORDING);
        String reason = null;
        if (recordingFailure != null) {
            reason = "writing it while tracing failed (" + OutputFile.describe(recordingFailure) + "), so it is incomplete";
        } else {
            try {
                keep.copyFrom(data);
            } catch (IOException e) {
                reason = e.getMessage();
            }
        }
        if (reason == null) {
            return null;
        }
        recordingDir.retain();
        return keep.notKept("the recording", reason, data);
    }

    /** What a snapshot's figures lack: per-task figures when asked for, percentiles where it has no histogram. */
    static String without(boolean perTask, boolean distribution) {
        if (perTask && !distribution) {
            return ", without per-task figures or percentiles";
        }
        return perTask ? ", without per-task figures" : distribution ? "" : ", without percentiles";
    }

    private static String and(String notKept) {
        return notKept == null ? "" : "; and " + notKept;
    }

    /** A one-line error: what happened, and bpftrace's own error line (not its warnings). */
    private String failure(String what) {
        String error = errorLine(process.stderr());
        String status = !process.isAlive() ? exitStatus(process.exitStatus()) : "";
        String text = what + status + (error.isEmpty() ? "" : ": " + error);
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    /**
     * bpftrace's own error line among what it said: the first with "ERROR:" (0.17 starts the line
     * with it; 0.23 puts the script position first, "stdin:43:2-28: ERROR: ...", and underlines it on
     * the next lines), else its last line that is not a warning about RLIMIT_MEMLOCK.
     */
    static String errorLine(String said) {
        return said.lines().map(String::strip).filter(l -> l.contains("ERROR:") && !l.contains("RLIMIT_MEMLOCK"))
                .findFirst().orElse(said.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.contains("RLIMIT_MEMLOCK"))
                        .reduce((a, b) -> b).orElse(""));
    }

    private static String exitStatus(int code) {
        return code > 128 ? " (killed by signal " + (code - 128) + ")" : code != 0 ? " (exit status " + code + ")" : "";
    }

    @Override
    public String probeDescription() {
        return choice == null || choice.probe() == null ? "bpftrace" : choice.probe().description();
    }

    /**
     * Nothing until bpftrace has printed its maps (when stopped, or when it ended on its own). If it
     * ended unasked (killed), the figures of its last complete snapshot, and {@link #failure} says so.
     */
    @Override
    public LatencyStats drain() throws SourceException {
        if (drained || !ended) {
            return new LatencyStats();
        }
        drained = true;
        String notKept = keepRecording();
        synchronized (result) {
            if (!result.hasMaps()) {
                String what = endedUnasked ? "bpftrace ended before it was stopped" : "bpftrace printed no figures when stopped";
                throw SourceException.environment(failure(what) + "; nothing it measured can be shown" + and(notKept));
            }
            if (readFailure != null) {
                throw SourceException.environment("reading bpftrace's output failed: " + readFailure.getMessage() + and(notKept));
            }
            if (!result.ended()) {
                long seconds = TimeUnit.NANOSECONDS.toSeconds(result.snapshotElapsedNs());
                String what = endedUnasked ? "bpftrace ended before it was stopped" : "bpftrace printed no final figures when stopped";
                failure = SourceException.environment(failure(what) + "; the figures are those of its last snapshot, "
                        + seconds + " s after it started" + without(perTask, result.hasDistribution()) + and(notKept));
            } else if (notKept != null) {
                failure = SourceException.environment(notKept);
            }
            return result.stats();
        }
    }

    @Override
    public SourceException failure() {
        return failure;
    }

    /**
     * The last complete snapshot's figures (see {@link BpftraceResult#cumulative}): bpftrace prints one
     * a second, so what is served is at most about a second old. Parsed here, at the scrape, from the
     * lines the reader kept, under the lock it takes each line with (a snapshot is one line a map).
     */
    @Override
    public CumulativeFigures cumulative() {
        BpftraceHost.Choice running = choice;
        if (closed || running == null || running.probe() == null) {
            return CumulativeFigures.empty();
        }
        if (!running.probe().snapshotsHistogram()) { // refused before it starts (featuresLackedIn)
            throw new UnsupportedOperationException("the bpftrace backend cannot serve in " + running.probe().mode + " mode: " + NOT_SERVING);
        }
        synchronized (result) {
            return result.cumulative();
        }
    }

    /** The switches in bpftrace's last snapshot (they come once a second). */
    @Override
    public long progress() {
        synchronized (result) {
            return result.attached() ? result.switches() : -1;
        }
    }

    @Override
    public boolean finished() {
        return ended;
    }

    @Override
    public void onFinished(Runnable callback) {
        onFinished = callback;
        if (ended) {
            callback.run();
        }
    }

    @Override
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        if (result.skippedLines() > 0) {
            warnings.add(result.skippedLines() + " lines of bpftrace's output were not understood and were skipped");
        }
        return warnings;
    }

    /**
     * SIGTERM: bpftrace prints its maps and exits; waited for, then killed if it does not (see
     * {@link ChildProcess#stop}: our end of its output stays open meanwhile, or bpftrace, writing its
     * maps into a closed pipe, would die of SIGPIPE). Then the reader takes the last of its output.
     */
    @Override
    public void stop() {
        stopRequested = true;
        if (process == null) {
            return;
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        process.stop(STOP_GRACE);
        try {
            stdoutReader.join(Math.max(LAST_OUTPUT.toMillis(), TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (process != null) {
            process.stop(STOP_GRACE);
        }
        if (recordingDir != null) {
            recordingDir.close(); // unless retained: it then holds the only copy of the recording
        }
    }
}
