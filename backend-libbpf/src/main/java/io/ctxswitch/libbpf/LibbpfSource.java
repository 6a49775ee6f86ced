package io.ctxswitch.libbpf;

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
import java.util.EnumSet;
import java.util.Set;

/**
 * The libbpf backend: our own BPF program (src/main/bpf/ctxswitch.bpf.c) aggregating in the
 * kernel, read through memory maps, in one of the modes of {@link KernelProbe}.
 */
public final class LibbpfSource implements LatencySource {
    public static final String NAME = "libbpf";
    static final String OBJECT_RESOURCE = "ctxswitch.bpf.o";

    private HostFacts facts;
    private ProbeSelection selection;
    private ProbeMode selectedFor;
    private KernelProbe running;
    private LoadedObject object;
    private KernelReader reader;
    private boolean attached;
    private boolean drainedAfterStop;
    private volatile long drainedSwitches;
    private java.util.function.Consumer<io.ctxswitch.core.model.Outlier> outlierSink = o -> { };
    private OutlierRing outliers;
    private int outlierPollError; // kept past close, for warnings()

    @jakarta.inject.Inject
    public LibbpfSource() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Everything this backend has so far: intervals (two slots in the kernel), per-task figures,
     * cumulative reading at any moment (the kernel keeps the histogram and counters cumulatively, per CPU),
     * every filter, applied in the kernel, the breakdown by kind (sched_switch's prev_state: Linux 5.18+) and by
     * cgroup (B's cgroup v2 id, bpf_get_current_cgroup_id: Linux 4.18+, older than any mode's kernel).
     */
    @Override
    public Set<Feature> features() {
        return EnumSet.of(Feature.INTERVAL, Feature.PER_TASK, Feature.SERVE, Feature.SERVE_PER_CPU, Feature.PID_FILTER, Feature.TID_FILTER,
                Feature.COMM_FILTER, Feature.CGROUP_FILTER, Feature.CPU_FILTER, Feature.IDLE_FILTER, Feature.BY_KIND,
                Feature.OUTLIERS, Feature.BY_CGROUP);
    }

    /** --slower: only the outliers leave the kernel, through a ring buffer read on a thread of its own (OutlierRing). */
    @Override
    public void onOutlier(java.util.function.Consumer<io.ctxswitch.core.model.Outlier> sink) {
        outlierSink = sink;
    }

    /** See {@link LatencySource#availability}: with auto on kernels before 6.15, trial loads (ProbeSelection). */
    @Override
    public Availability availability(TraceOptions options) {
        Availability mode = selection(options.probe()).availability();
        String option = options.byKind() ? "--by=kind" : options.slowerNs() > 0 ? "--slower" : null;
        String problem = option != null && mode.available() ? facts().classificationProblem(option) : null;
        return problem == null ? mode : Availability.missing(problem);
    }

    /** The mode for {@code requested}, worked out once (auto may load and attach to find out). */
    private ProbeSelection selection(ProbeMode requested) {
        if (selection == null || selectedFor != requested) {
            HostFacts host = facts();
            selection = ProbeSelection.choose(requested, host::availability, this::trial);
            selectedFor = requested;
        }
        return selection;
    }

    /** Loads and attaches {@code probe}'s programs and releases them: null if that worked, else why not. */
    private String trial(KernelProbe probe) {
        java.util.List<String> programs = probe.programsFor(facts().btfFunctions());
        try (LoadedObject trial = LoadedObject.load(Libbpf.load(), objectBytes(), probe, programs, false,
                new KernelFilter(io.ctxswitch.core.spi.SwitchFilter.NONE))) {
            trial.attach(programs);
            return null;
        } catch (SourceException e) {
            return e.getMessage();
        }
    }

    @Override
    public String probeChoiceNote() {
        return selection == null ? null : selection.note();
    }

    private HostFacts facts() {
        if (facts == null) {
            facts = HostFacts.gather();
        }
        return facts;
    }

    @Override
    public void start(TraceOptions options) throws SourceException {
        Availability availability = availability(options);
        if (!availability.available()) {
            throw SourceException.environment(availability.reason());
        }
        KernelProbe probe = selection(options.probe()).probe();
        Libbpf lib = Libbpf.load();
        boolean perTask = options.perTask();
        boolean classify = options.byKind() || options.slowerNs() > 0; // --slower's outliers carry their kind
        java.util.List<String> programs = withRenames(probe.programsFor(facts().btfFunctions(), classify), perTask);
        object = LoadedObject.load(lib, objectBytes(), probe, programs, perTask, new KernelFilter(options.filter()),
                options.byKind(), options.slowerNs(), options.byCgroup());
        running = probe;
        try {
            reader = new KernelReader(lib, object, perTask, options.perCpu());
            if (options.slowerNs() > 0) {
                outliers = OutlierRing.start(lib, object.outliersFd(), outlierSink);
            }
            object.attach(programs);
            object.setArmed(true);
            attached = true;
        } catch (SourceException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** With --top, the rename counter first (KernelProbe.RENAME_PROGRAM): names are tracked from the first sample. */
    static java.util.List<String> withRenames(java.util.List<String> programs, boolean perTask) {
        if (!perTask) {
            return programs;
        }
        java.util.List<String> all = new java.util.ArrayList<>(programs.size() + 1);
        all.add(KernelProbe.RENAME_PROGRAM);
        all.addAll(programs);
        return java.util.List.copyOf(all);
    }

    static byte[] objectBytes() throws SourceException {
        try (InputStream in = LibbpfSource.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new SourceException(SourceException.Kind.UNEXPECTED, "the BPF object is missing from the jar: rebuild it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new SourceException(SourceException.Kind.UNEXPECTED, "reading the BPF object from the jar failed: " + e.getMessage());
        }
    }

    /** Whether the running programs count unpaired ends (true only while both are attached). */
    boolean armed() {
        return object != null && object.kernelArmed();
    }

    @Override
    public String probeDescription() {
        return running == null ? KernelProbe.SCHED_TP.description : running.description;
    }

    /**
     * Read from scrape threads: under the same lock as {@link #drain} (which advances the epoch, so a
     * reading never falls between closing an interval and taking its figures) and {@link #close}
     * (which unmaps the area this reads).
     */
    @Override
    public synchronized CumulativeFigures cumulative() {
        return reader == null ? CumulativeFigures.empty() : reader.cumulative();
    }

    @Override
    public synchronized LatencyStats drain() throws SourceException {
        if (reader == null || drainedAfterStop) {
            return new LatencyStats();
        }
        try {
            if (!attached && outliers != null) {
                outliers.finish(); // detached: every outlier is in the ring now; handed over before the last figures
            }
            LatencyStats part = reader.drain(attached);
            drainedAfterStop = !attached;
            drainedSwitches += part.total().count();
            return part;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Kind.UNEXPECTED, "interrupted while reading the kernel's figures");
        }
    }

    @Override
    public long progress() {
        KernelReader r = reader;
        return r == null ? -1 : drainedSwitches + (attached ? r.openIntervalCount() : 0);
    }

    @Override
    public void stop() {
        if (object != null) {
            if (attached) {
                object.setArmed(false);
            }
            object.detach();
        }
        attached = false;
    }

    @Override
    public java.util.List<String> warnings() {
        int error = outliers != null ? outliers.pollError() : outlierPollError;
        if (error != 0) {
            return java.util.List.of("reading the outliers' ring buffer failed (" + Libbpf.strerror(error)
                    + "): outliers after that were not printed");
        }
        return java.util.List.of();
    }

    @Override
    public synchronized void close() {
        attached = false;
        if (outliers != null) {
            outliers.close(); // before the object: the ring buffer's memory is the map's
            outlierPollError = outliers.pollError();
            outliers = null;
        }
        if (object != null) {
            object.close();
            object = null;
        }
        reader = null;
    }
}
