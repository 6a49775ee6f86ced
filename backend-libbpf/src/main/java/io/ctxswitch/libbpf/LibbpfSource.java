package io.ctxswitch.libbpf;

import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;

/**
 * The libbpf backend: our own BPF program (src/main/bpf/ctxswitch.bpf.c) aggregating in the
 * kernel, read through memory maps. Mode sched-tp: from sched_entry_tp to sched_exit_tp.
 */
public final class LibbpfSource implements LatencySource {
    public static final String NAME = "libbpf";
    static final String OBJECT_RESOURCE = "ctxswitch.bpf.o";
    static final String ENTRY_PROGRAM = "ctxsw_entry";
    static final String EXIT_PROGRAM = "ctxsw_exit";
    static final String SCHED_TP_PROBE = "sched-tp (tp_btf/sched_entry_tp -> tp_btf/sched_exit_tp, per CPU)";

    private HostFacts facts;
    private LoadedObject object;
    private KernelReader reader;
    private boolean attached;
    private boolean drainedAfterStop;
    private volatile long drainedSwitches;

    @jakarta.inject.Inject
    public LibbpfSource() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability availability(TraceOptions options) {
        if (options.probe() == ProbeMode.FENTRY || options.probe() == ProbeMode.KPROBE) {
            return Availability.missing("the libbpf backend has no " + options.probe() + " mode yet; it measures with sched-tp"
                    + " (Linux 6.15 or later): use --probe=sched-tp or --probe=auto");
        }
        return facts().schedTpAvailability();
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
        Libbpf lib = Libbpf.load();
        boolean perTask = options.perTask();
        object = LoadedObject.load(lib, objectBytes(), perTask);
        try {
            reader = new KernelReader(lib, object, perTask);
            object.attach(ENTRY_PROGRAM, EXIT_PROGRAM);
            object.setArmed(true);
            attached = true;
        } catch (SourceException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static byte[] objectBytes() throws SourceException {
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
        return SCHED_TP_PROBE;
    }

    @Override
    public LatencyStats drain() throws SourceException {
        if (reader == null || drainedAfterStop) {
            return new LatencyStats();
        }
        try {
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
    public void close() {
        attached = false;
        if (object != null) {
            object.close();
            object = null;
        }
        reader = null;
    }
}
