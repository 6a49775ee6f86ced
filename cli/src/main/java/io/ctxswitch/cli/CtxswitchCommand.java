package io.ctxswitch.cli;

import io.ctxswitch.bpftrace.BpftraceSettings;
import io.ctxswitch.core.files.OutputFile;
import io.ctxswitch.core.report.Durations;
import io.ctxswitch.core.report.JsonRenderer;
import io.ctxswitch.core.report.Percentiles;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.report.TextRenderer;
import io.ctxswitch.core.report.heatmap.HeatmapFile;
import io.ctxswitch.core.report.heatmap.HeatmapGrid;
import io.ctxswitch.core.report.heatmap.HeatmapPanels;
import io.ctxswitch.core.report.heatmap.JsonReportReplay;
import io.ctxswitch.core.host.HostIdentity;
import io.ctxswitch.core.run.TraceSession;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.Feature;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.host.CgroupV2;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.exporter.LatencyCollector;
import io.ctxswitch.exporter.PrometheusBuckets;
import io.ctxswitch.exporter.ServeAddress;
import io.ctxswitch.exporter.ServeSecurity;
import io.ctxswitch.exporter.WebConfig;
import io.ctxswitch.perf.PerfSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ctxswitch",
        mixinStandardHelpOptions = true,
        versionProvider = CtxswitchCommand.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Measures context-switch latency: on each CPU, the time from the moment one task stops running"
                + " to the moment the next task starts. Traces until Ctrl+C (or --duration), then prints count,"
                + " min, max, mean, percentiles and a histogram, in total and, if asked, per CPU and per task.",
            "Needs root (or CAP_BPF and CAP_PERFMON).",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success (also after Ctrl+C or SIGTERM, with the summary)",
            "1:unexpected error",
            "2:usage error; also an output file (--record) that cannot be written: its directory is missing or"
                + " not writable, or the file exists and --force was not given. Said before tracing starts",
            "3:environment: no privilege, a missing tool or kernel feature (the message says how to get it), a --serve address that cannot be bound;"
                + " also when perf or bpftrace dies mid-run, after the figures it measured until then; and when"
                + " an output file could not be written at the end (disk full, directory removed), after the"
                + " figures, naming the file, the reason and where the data still is",
            "4:input: an unreadable or unrecognisable trace",
            "130:a second Ctrl+C: exited at once, without a summary"})
final class CtxswitchCommand implements Callable<Integer> {

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
            description = "auto (the best that can run here, and says which), libbpf, bpftrace or perf. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--probe", defaultValue = "auto", paramLabel = "MODE", converter = ProbeModeConverter.class,
            description = "auto, sched-tp (Linux 6.15+), kprobe or fentry (older kernels: kprobe sees every switch, fentry misses those into tasks preempted inside the kernel): the probe points to measure between. auto takes the best this kernel has. Default: ${DEFAULT-VALUE}.")
    ProbeMode probe;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Trace this long (5s, 500ms, 2m, 1h), then print the summary. Default: until Ctrl+C or SIGTERM.")
    Duration duration;

    @Option(names = "--interval", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Also report every TIME: one row per interval (text) or one JSON object per line. Intervals add up to the summary.")
    Duration interval;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text or json (one object per summary, on one line). Default: ${DEFAULT-VALUE}.")
    OutputFormat format;

    @Option(names = "--per-cpu", description = "List count, min, mean and max for each CPU (in JSON, with each CPU's histogram). With --heatmap, also a small panel per CPU.")
    boolean perCpu;

    @Option(names = "--top", defaultValue = "0", paramLabel = "N",
            description = "List the N tasks switched in most often, with their latency (a switch counts for the task that starts).")
    int top;

    @Option(names = "--percentiles", paramLabel = "LIST", converter = PercentilesConverter.class,
            description = "The percentiles to show, comma-separated, each above 0 and below 100 with at most 6 decimals,"
                + " shown in ascending order, each once: e.g. 50,90,99,99.9,99.99. JSON keys: p, the integer part in two digits,"
                + " the decimals, _ns (p50_ns, p999_ns for 99.9, p0999_ns for 9.99). Given, it also sets the columns of the"
                + " --interval rows. With --serve, it chooses those of the summary at exit (the metrics are a histogram)."
                + " Default: 50,90,99,99.9 (rows: 50,99).")
    Percentiles percentiles;

    @Option(names = "--by", paramLabel = "kind|cgroup", split = ",",
            description = "Break the figures down, by one or both, comma-separated (--by=kind,cgroup). kind: by kind of switch,"
                + " how the outgoing task left the CPU (preempted, blocked, yield, exit) or whether an idle task was on either"
                + " side (from-idle, to-idle); the kinds add up to the total. Backends: libbpf (Linux 5.18+), perf, bpftrace (sched-tp"
                + " mode). JSON: by_kind."
                + " cgroup: the " + io.ctxswitch.core.report.Summary.TOP_CGROUPS + " cgroups v2 switched into most (the incoming"
                + " task's), with their paths, count, mean, p99 and max; the others summed. Backend: libbpf. JSON: top_cgroups.")
    java.util.List<Breakdown> by;

    /** What --by can break the figures down by. */
    enum Breakdown { kind, cgroup }

    /** Whether --by names {@code breakdown}. */
    private boolean by(Breakdown breakdown) {
        return by != null && by.contains(breakdown);
    }

    @Option(names = "--pid", paramLabel = "PID[,PID...]",
            description = "Only switches into tasks of these processes (by process id, the tgid: all their threads). Filters apply to the incoming task, whose start was delayed.")
    String pids;

    @Option(names = "--tid", paramLabel = "TID[,TID...]", description = "Only switches into these threads (by thread id).")
    String tids;

    @Option(names = "--comm", paramLabel = "NAME",
            description = "Only switches into tasks of this name (exactly, as in /proc/PID/comm: at most 15 bytes).")
    String comm;

    @Option(names = "--cgroup", paramLabel = "DIR",
            description = "Only switches into tasks of this cgroup v2 directory or any cgroup below it, those created while tracing included. libbpf backend.")
    java.nio.file.Path cgroup;

    @Option(names = "--cpus", paramLabel = "LIST", description = "Only switches on these CPUs: a list such as 0-3,8.")
    String cpus;

    @Option(names = "--exclude-idle", description = "Leave out switches from or to an idle task (pid 0).")
    boolean excludeIdle;

    @Option(names = "--slower", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Also print every switch that took TIME or longer (10us, 1ms) as it happens: when B started, the CPU,"
                + " the latency, the task that left (pid, name, state) and the one that started (pid, name, cgroup), and the kind"
                + " of switch; in JSON one object per line with \"kind\":\"outlier\", before the summary. Those lost on"
                + " the way are counted in lost. libbpf and bpftrace live, perf live and replay.")
    Duration slower;

    @Option(names = "--replay", paramLabel = "FILE",
            description = "Read a recorded trace instead of tracing: perf script text, a perf.data file, or bpftrace output of ctxswitch's script (- for standard input). The format is recognised from the content.")
    String replay;

    @Option(names = "--record", paramLabel = "FILE",
            description = "Keep what was traced, to read again with --replay: the perf backend keeps its recording (a perf.data file), the bpftrace backend its output. With --backend=auto, the best of those that can run here."
                + " Checked before tracing starts: FILE's directory must exist and be writable, and FILE must not exist (unless --force)."
                + " Written when tracing stops, under a temporary name beside FILE, then renamed to FILE: a half-written file never has its name.")
    java.nio.file.Path record;

    @Option(names = "--force",
            description = "Replace an output file (--record, --heatmap) that exists. It is replaced in one step once the new file is complete, and a symbolic link is replaced, never written through."
                + " Without --force an existing file is never touched: ctxswitch refuses to start.")
    boolean force;

    @Option(names = "--heatmap", paramLabel = "FILE.svg",
            description = "Also draw a latency heat map over time into FILE.svg (time across, one column per --interval, default 1s; latency up; colour by count), refreshed at each interval. Checked before tracing starts like --record (see --force). Needs the libbpf backend, or --replay of ctxswitch's --format=json --interval output.")
    java.nio.file.Path heatmap;

    @Option(names = "--perf", paramLabel = "PATH", description = "The perf binary to use. Default: perf on PATH.")
    java.nio.file.Path perfPath;

    @Option(names = "--bpftrace", paramLabel = "PATH", description = "The bpftrace binary to use (0.17 or later). Default: bpftrace on PATH.")
    java.nio.file.Path bpftracePath;

    @Option(names = "--serve", paramLabel = "[HOST:]PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics (HOST: 127.0.0.1 unless given) until Ctrl+C or SIGTERM,"
                + " read at each scrape; then print the summary. Backends: libbpf, perf, and bpftrace in sched-tp mode"
                + " (Linux 6.15+; its once-a-second snapshot, without --per-cpu). With --by=kind or --by=cgroup (libbpf, one of"
                + " them), the latency histogram is served by kind or by cgroup (the top cgroups and 'other'), a label on each series.")
    String serve;

    @Option(names = "--native-buckets", paramLabel = "N",
            description = "With --serve: at most N native-histogram buckets per series, from its fastest switch to its slowest (default: "
                + PrometheusBuckets.DEFAULT_NATIVE_BUCKETS + ", the Prometheus client libraries' limit; at least " + PrometheusBuckets.MIN_NATIVE_BUCKETS
                + "). Each series gets the finest schema that keeps within N, up to schema 7 (buckets 0.54 % wide, about the kernel's"
                + " resolution): a larger N, finer buckets and a costlier scrape and storage. Only a Prometheus that scrapes native histograms sees them.")
    Integer nativeBuckets;

    @Option(names = "--serve-config", paramLabel = "FILE",
            description = "With --serve: TLS and/or basic auth from FILE, a Prometheus web config file (tls_server_config: cert_file, key_file;"
                + " basic_auth_users: NAME: BCRYPT-HASH). Never a password on the command line. Refused if every user may read its secrets.")
    java.nio.file.Path serveConfig;

    @Option(names = "--list-backends", description = "Say which backends this build has and whether each can run here, then exit.")
    boolean listBackends;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    CtxswitchCommand(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws SourceException {
        if (top < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top must be 0 or more, not " + top);
        }
        checkCombinations();
        SwitchFilter filter = filter();
        // Wired only now: the backends take their own settings from the command line, and --help,
        // --version and usage errors need no backend at all.
        Backends backends = Backends.wire(new PerfSettings(perfPath), new BpftraceSettings(bpftracePath));
        BackendSelector selector = new BackendSelector(backends.sources());
        if (!selector.known(backend)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown backend '" + backend
                    + "' (expected " + BackendSelector.AUTO + ", " + String.join(", ", selector.names()) + ")");
        }
        Map<Feature, String> wanted = wantedFeatures();
        wanted.putAll(filter.features());
        if (replay == null && !listBackends) {
            String refusal = selector.refusal(backend, wanted, probe);
            if (refusal != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), refusal);
            }
            filter = checkedCgroup(filter);
        }
        ServeAddress serveAt = serveAddress();
        ServeSecurity security = serveSecurity();
        if (security.authenticator() != null && security.tls() == null) {
            err.println("ctxswitch: warning: --serve-config has basic_auth_users but no tls_server_config: passwords cross the network in the clear");
        }
        OutputFile recordTo = output("--record", record);
        OutputFile heatmapTo = output("--heatmap", heatmap);
        // The trap goes in first: a signal while loading or starting a child stops the session cleanly.
        // Serving reads the source at each scrape and drains it only at the stop, except with --by=cgroup: there the
        // drains every second (TraceSession's default) close intervals, the only way the libbpf backend's per-CPU
        // cgroup table frees the entries of cgroups gone idle (README, "Breakdowns served").
        TraceSession session = serveAt == null || by(Breakdown.cgroup) ? new TraceSession() : new TraceSession().drainingOnlyAtStop();
        SignalTrap trap = new SignalTrap(session::requestStop);
        trap.install();
        TraceOptions options = new TraceOptions(probe, top > 0, recordTo, filter, perCpu).withByKind(by(Breakdown.kind))
                .withByCgroup(by(Breakdown.cgroup))
                .withSlowerNs(slower == null ? 0 : slower.toNanos()).withServe(serveAt != null);
        if (listBackends) {
            return listBackends(selector, options);
        }
        LatencySource source;
        java.util.function.Function<LatencySource, String> announcement; // the notice once started, or null
        if (replay != null) {
            trap.waitingFor("-".equals(replay) ? "standard input" : replay);
            ReplayOpener.Opened opened = new ReplayOpener(backends.formats()).open(replay, options, System.in);
            trap.waitingFor(null);
            source = opened.source();
            checkReplayFilter(source, opened.format(), filter);
            checkReplayByKind(source, opened.format());
            checkReplaySlower(source, opened.format());
            checkHeatmapReplay(source, opened.format());
            announcement = s -> null; // a replay says nothing until its summary, or its one-line error
        } else {
            BackendSelector.Choice choice = selector.choose(backend, wanted, options);
            if (choice.note() != null) {
                err.println("ctxswitch: " + choice.note());
            }
            source = choice.source();
            if (source.probeChoiceNote() != null) {
                err.println("ctxswitch: " + source.probeChoiceNote());
            }
            String until = duration != null ? "for " + Durations.format(duration.toNanos()) : "press Ctrl+C to stop";
            announcement = s -> "tracing with " + s.name() + ", " + s.probeDescription() + "; " + until;
        }
        String name = source.name();
        OutlierPrinter outliers = null;
        if (slower != null) {
            outliers = new OutlierPrinter(out, format, slower.toNanos(), java.time.ZoneId.systemDefault());
            source.onOutlier(outliers);
        }
        // A replay's host is unknown (a perf trace does not say); a live run's is this one.
        HostIdentity host = replay == null ? HostIdentity.local() : HostIdentity.UNKNOWN;
        TraceSession.Result result;
        HeatmapListener heatmapListener = null;
        if (serveAt != null) {
            String[] url = new String[1];
            java.util.function.Function<LatencySource, String> serving = s -> announcement.apply(s)
                    .replace("tracing with ", "serving " + url[0] + ", tracing with ").replace("press Ctrl+C to stop", "Ctrl+C or SIGTERM stops");
            ConsoleListener console = new ConsoleListener(out, err, format, name, false, perCpu, top, shown(), serving, host).filteredBy(filter);
            LatencyCollector.Breakdown labels = by(Breakdown.kind) ? LatencyCollector.Breakdown.KIND
                    : by(Breakdown.cgroup) ? LatencyCollector.Breakdown.CGROUP : LatencyCollector.Breakdown.NONE;
            int maxNativeBuckets = nativeBuckets != null ? nativeBuckets : PrometheusBuckets.DEFAULT_NATIVE_BUCKETS;
            try (Serving server = new Serving(serveAt, security, console, perCpu, labels, maxNativeBuckets,
                    new Version().getVersion()[0].replace("ctxswitch ", ""))) {
                url[0] = server.url();
                result = session.run(source, options, duration, null, null, server);
            }
        } else {
        ConsoleListener console = new ConsoleListener(out, err, format, name,
                terminal && format == OutputFormat.text && replay == null, perCpu, top, shown(), announcement, host).filteredBy(filter);
        TraceSession.Listener listener = console;
        if (heatmap != null && replay == null) {
            heatmapListener = new HeatmapListener(console, interval != null, new HeatmapFile(heatmapTo), host, name, perCpu, err);
            try {
                heatmapListener.writeEmpty();
            } catch (java.io.IOException e) {
                source.close();
                throw SourceException.environment("cannot write the heat map " + heatmap + ": " + e.getMessage());
            }
            listener = heatmapListener;
        }
        // The heat map's columns are intervals: 1 s unless --interval says otherwise.
        Duration tick = interval != null || heatmapListener == null ? interval : HEATMAP_INTERVAL;
        result = session.run(source, options, duration, tick,
                terminal ? Duration.ofMillis(250) : null, listener);
        if (source instanceof JsonReportReplay recorded) {
            return drawRecording(recorded, heatmapTo);
            }
        }
        if (!result.began()) {
            err.println("ctxswitch: stopped before tracing began; nothing was measured");
        }
        long covered = source.coveredNs().orElse(result.durationNs());
        // Asked again at the end: a replay learns its probe from the trace it reads.
        Summary summary = Summary.of("summary", name, source.probeDescription(), covered, result.total(), perCpu, top, shown())
                .withFilter(filter);
        if (outliers != null) {
            summary = summary.withOutliers(new Summary.Outliers(slower.toNanos(), outliers.printed(), result.total().outliersLost()));
        }
        if (format == OutputFormat.json) {
            out.println(new JsonRenderer(host).render(summary));
        } else {
            if (interval != null) {
                out.println();
            }
            out.print(new TextRenderer(shown()).render(summary));
        }
        out.flush();
        for (String warning : source.warnings()) {
            err.println("ctxswitch: warning: " + warning);
        }
        SourceException failure = source.failure();
        if (heatmap != null && source instanceof io.ctxswitch.core.report.heatmap.TimedReplay timed) {
            try { // a trace does not say which host or kernel it came from
                new HeatmapFile(heatmapTo).write(new io.ctxswitch.core.report.heatmap.HeatmapHeader(null, null, name,
                        source.probeDescription()), timed.timeline(), null);
            } catch (java.io.IOException e) {
                err.println("ctxswitch: cannot write the heat map " + heatmap + ": " + e.getMessage());
                if (failure == null) {
                    return SourceException.Kind.ENVIRONMENT.exitCode();
                }
            }
        }
        if (heatmapListener != null && result.began()) {
            try {
                heatmapListener.finish();
            } catch (java.io.IOException e) {
                err.println("ctxswitch: cannot write the heat map " + heatmap + ": " + e.getMessage());
                if (failure == null) {
                    return SourceException.Kind.ENVIRONMENT.exitCode();
                }
            }
        }
        if (failure != null) { // the figures above are partial: say why, and exit as for that error
            err.println("ctxswitch: " + failure.getMessage());
            return failure.kind().exitCode();
        }
        return 0;
    }

    /** The percentiles asked for, or the default ones. */
    private Percentiles shown() {
        return percentiles == null ? Percentiles.DEFAULT : percentiles;
    }

    /** The columns of a heat map when --interval does not say. */
    static final Duration HEATMAP_INTERVAL = Duration.ofSeconds(1);

    /**
     * --heatmap with --replay: ctxswitch's own JSON output has intervals; the other formats have
     * none to draw (bpftrace's output has no time axis; perf traces are not binned by time yet).
     * Our JSON output is a report, not a trace, so it replays only into a heat map (else it is an input
     * error, like any input that is not a trace).
     */
    private void checkHeatmapReplay(LatencySource source, String formatName) throws SourceException {
        boolean recording = source instanceof JsonReportReplay;
        if (heatmap != null && source instanceof io.ctxswitch.core.report.heatmap.TimedReplay timed) {
            timed.binBy(HEATMAP_INTERVAL.toNanos(), perCpu); // a trace with timestamps: binned by its own time (and CPU)
            return;
        }
        if (heatmap == null && recording) {
            source.close();
            throw SourceException.input(replay + " is ctxswitch's own JSON output, not a trace: it replays only into a"
                    + " heat map (--heatmap=FILE.svg)");
        }
        if (recording && percentiles != null) {
            source.close();
            throw new CommandLine.ParameterException(spec.commandLine(), "--percentiles does not apply to a replay of"
                    + " ctxswitch's own JSON output: it only draws a heat map, whose bins are too coarse for percentiles");
        }
        if (heatmap != null && !recording) {
            source.close();
            throw new CommandLine.ParameterException(spec.commandLine(), "--heatmap cannot draw " + formatName + ": "
                    + (source.name().equals("bpftrace") ? "bpftrace's output has no time axis (its figures are totals)"
                            : "it has no timestamps to bin by")
                    + "; it draws ctxswitch's own --format=json --interval output");
        }
    }

    /** Draws a replayed recording of our JSON output; its summary is in the recording already. */
    private int drawRecording(JsonReportReplay recorded, OutputFile heatmapTo) throws SourceException {
        SourceException failure = recorded.failure();
        if (failure != null) {
            throw failure;
        }
        if (perCpu && !recorded.hasCpuHistograms()) {
            throw SourceException.input(replay + " has no histogram per CPU to draw with --per-cpu: record it with"
                    + " --per-cpu --format=json --interval=TIME");
        }
        HeatmapGrid all = recorded.panels().all();
        try {
            new HeatmapFile(heatmapTo).write(recorded.header(), perCpu ? recorded.panels() : new HeatmapPanels(all, false), null);
        } catch (java.io.IOException e) { // checked before reading, so the disk filled or the directory went
            throw SourceException.environment("cannot write the heat map " + heatmap + ": " + e.getMessage());
        }
        err.printf(java.util.Locale.ROOT, "ctxswitch: drew %,d intervals (%,d switches%s) into %s%s%n",
                all.intervals(), all.total(), perCpu ? ", " + recorded.panels().cpus().size() + " CPUs" : "", heatmap,
                recorded.summaryCount() == null ? "; the recording has no summary (the run was cut short)" : "");
        return 0;
    }

    /** Options that make no sense together are usage errors, said in one line. */
    private void checkCombinations() {
        if (serve != null) {
            notWithServe(replay != null, "--replay", "it serves what it traces now");
            notWithServe(interval != null, "--interval", "Prometheus chooses its own intervals when it scrapes");
            notWithServe(top > 0, "--top", "the exporter has no per-task metrics");
            notWithServe(by(Breakdown.kind) && by(Breakdown.cgroup), "--by=kind,cgroup",
                    "the histogram is served with one breakdown's labels (the kernel does not cross them); choose kind or cgroup");
            notWithServe(by(Breakdown.cgroup) && perCpu, "--by=cgroup with --per-cpu",
                    "it would serve a series per CPU and cgroup; choose one");
            notWithServe(listBackends, "--list-backends", "it traces");
            notWithServe(heatmap != null, "--heatmap", "a heat map is drawn from intervals, which serving does not take");
        }
        if (nativeBuckets != null && serve == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--native-buckets goes with --serve=[HOST:]PORT: it limits the served native histograms");
        }
        if (nativeBuckets != null && nativeBuckets < PrometheusBuckets.MIN_NATIVE_BUCKETS) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--native-buckets must be at least " + PrometheusBuckets.MIN_NATIVE_BUCKETS
                    + " (at schema -4, the coarsest, any latencies fit in 3 buckets), not " + nativeBuckets);
        }
        if (serveConfig != null && serve == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--serve-config goes with --serve=[HOST:]PORT, which it configures");
        }
        if (replay != null) {
            notWithReplay(duration != null, "--duration");
            notWithReplay(interval != null, "--interval");
            notWithReplay(record != null, "--record");
            notWithReplay(listBackends, "--list-backends");
            notWithReplay(!BackendSelector.AUTO.equals(backend), "--backend");
            if (cgroup != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--cgroup does not apply to --replay: no trace format ctxswitch reads records cgroups");
            }
            if (by(Breakdown.cgroup)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--by=cgroup does not apply to --replay: no trace format ctxswitch reads records cgroups");
            }
        }
    }

    /** The filters given, validated (one-line usage errors); {@link SwitchFilter#NONE} without any. */
    private SwitchFilter filter() {
        try {
            java.util.SortedSet<Integer> none = new java.util.TreeSet<>();
            return new SwitchFilter(pids == null ? none : SwitchFilter.parseIds("--pid", pids),
                    tids == null ? none : SwitchFilter.parseIds("--tid", tids),
                    comm == null ? null : SwitchFilter.checkComm(comm), cgroup,
                    cpus == null ? none : SwitchFilter.parseCpus(cpus), excludeIdle);
        } catch (IllegalArgumentException e) {
            throw new OneLineUsageError(e.getMessage());
        }
    }

    /**
     * The filter with its cgroup checked to be a cgroup v2 directory (a usage error if not; an
     * environment error if this host has no cgroup v2 mounted, saying how to mount it), as a real path.
     */
    private static SwitchFilter checkedCgroup(SwitchFilter filter) throws SourceException {
        if (filter.cgroup() == null) {
            return filter;
        }
        try {
            return new SwitchFilter(filter.pids(), filter.tids(), filter.comm(), CgroupV2.check(filter.cgroup()),
                    filter.cpus(), filter.excludeIdle());
        } catch (CgroupV2.Refused e) {
            if (e.notMounted()) {
                throw SourceException.environment(e.getMessage());
            }
            throw new OneLineUsageError(e.getMessage());
        }
    }

    /**
     * Filters on a replay: the trace's format must carry what they look at (a usage error otherwise,
     * naming the formats that do), decided once the format is known from the content.
     */
    private void checkReplayFilter(LatencySource source, String formatName, SwitchFilter filter) {
        for (Map.Entry<Feature, String> want : filter.features().entrySet()) {
            if (!source.features().contains(want.getKey())) {
                source.close();
                throw new OneLineUsageError(want.getValue() + " cannot be applied to " + formatName
                        + ": it does not record each switch's tasks and CPU; perf traces do (perf script text or perf.data)");
            }
        }
    }

    /**
     * --by=kind on a replay: the trace must say how each switch's outgoing task left (perf traces with sched_switch,
     * bpftrace output of a run with --by=kind).
     */
    private void checkReplayByKind(LatencySource source, String formatName) {
        if (by(Breakdown.kind) && !source.features().contains(Feature.BY_KIND)) {
            source.close();
            throw new OneLineUsageError("--by=kind cannot be applied to " + formatName
                    + ": it does not record how each switch's outgoing task left; perf traces do (perf script text or perf.data),"
                    + " and bpftrace output recorded with --by=kind");
        }
    }

    /** --slower on a replay: the trace must hold each switch with its tasks (perf's does; bpftrace's output holds totals). */
    private void checkReplaySlower(LatencySource source, String formatName) {
        if (slower != null && !source.features().contains(Feature.OUTLIERS)) {
            source.close();
            throw new OneLineUsageError("--slower cannot be applied to " + formatName
                    + ": it does not record each switch; perf traces do (perf script text or perf.data)");
        }
    }

    /** What the options given ask of a backend, each with the option that asks it, as the user wrote it. */
    private Map<Feature, String> wantedFeatures() {
        Map<Feature, String> wanted = new java.util.EnumMap<>(Feature.class);
        if (interval != null) {
            wanted.put(Feature.INTERVAL, "--interval");
        } else if (heatmap != null) { // a live heat map's columns are intervals
            wanted.put(Feature.INTERVAL, "--heatmap");
        }
        if (record != null) {
            wanted.put(Feature.RECORD, "--record");
        }
        if (top > 0) {
            wanted.put(Feature.PER_TASK, "--top");
        }
        if (serve != null) {
            wanted.put(Feature.SERVE, "--serve");
            if (perCpu) {
                wanted.put(Feature.SERVE_PER_CPU, "--serve with --per-cpu");
            }
            if (by(Breakdown.kind)) {
                wanted.put(Feature.SERVE_BY_KIND, "--serve with --by=kind");
            }
            if (by(Breakdown.cgroup)) {
                wanted.put(Feature.SERVE_BY_CGROUP, "--serve with --by=cgroup");
            }
        }
        if (by(Breakdown.kind)) {
            wanted.put(Feature.BY_KIND, "--by=kind");
        }
        if (by(Breakdown.cgroup)) {
            wanted.put(Feature.BY_CGROUP, "--by=cgroup");
        }
        if (slower != null) {
            wanted.put(Feature.OUTLIERS, "--slower");
        }
        return wanted;
    }

    /**
     * An output file, checked now, before anything is loaded or attached, so that a path that cannot
     * work is refused at once rather than after a long trace; null if not asked for.
     */
    private OutputFile output(String option, java.nio.file.Path path) {
        if (path == null) {
            return null;
        }
        try {
            return OutputFile.check(path, force);
        } catch (OutputFile.Refused e) {
            throw new OneLineUsageError(option + "=" + path + ": " + e.getMessage());
        }
    }

    /**
     * A usage error whose one line says all there is to fix (a path that cannot be written): exit 2,
     * without the pointer to --help that a mistyped option gets.
     */
    static final class OneLineUsageError extends RuntimeException {
        OneLineUsageError(String message) {
            super(message);
        }
    }

    private void notWithServe(boolean given, String option, String why) {
        if (given) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " does not apply to --serve: " + why);
        }
    }

    /** The --serve address, checked before anything else is done; null without --serve. */
    private ServeAddress serveAddress() {
        if (serve == null) {
            return null;
        }
        try {
            return ServeAddress.parse(serve);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** What --serve-config asks, its files read and checked now, before anything is loaded; NONE without it. */
    private ServeSecurity serveSecurity() {
        if (serveConfig == null) {
            return ServeSecurity.NONE;
        }
        try {
            return ServeSecurity.load(serveConfig);
        } catch (WebConfig.Invalid e) {
            throw new OneLineUsageError("--serve-config=" + serveConfig + ": " + e.getMessage());
        }
    }

    private void notWithReplay(boolean given, String option) {
        if (given) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " does not apply to --replay, which reads the whole trace in its own format");
        }
    }

    private int listBackends(BackendSelector selector, TraceOptions options) {
        for (String name : selector.names()) {
            Availability a = selector.source(name).availability(options);
            out.printf("%-9s %-11s %s%n", name, a.available() ? "available" : "unavailable", a.reason());
        }
        return 0;
    }

    static final class ProbeModeConverter implements CommandLine.ITypeConverter<ProbeMode> {
        @Override
        public ProbeMode convert(String value) {
            try {
                return ProbeMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CtxswitchCommand.class.getPackage().getImplementationVersion();
            return new String[] {"ctxswitch " + (v == null ? "(development build)" : v)};
        }
    }
}
