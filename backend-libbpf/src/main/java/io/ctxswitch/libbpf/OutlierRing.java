package io.ctxswitch.libbpf;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.ctxswitch.core.host.CgroupPaths;
import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.model.TaskState;
import io.ctxswitch.core.model.WallClock;
import io.ctxswitch.core.spi.SourceException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The {@code --slower} outliers from the BPF ring buffer ({@code outliers}, struct outlier), read with
 * libbpf's ring_buffer__poll on a thread of its own, so that neither the session's drains nor its
 * summary ever wait for it; each record becomes an {@link Outlier} for the sink. {@link #finish} stops
 * the thread and hands over what is left (the programs are detached by then, so nothing more comes).
 */
final class OutlierRing implements AutoCloseable {
    private static final int POLL_MS = 100;

    private final Libbpf lib;
    private final Pointer ring;
    private final Consumer<Outlier> sink;
    private final WallClock clock;
    private final CgroupPaths cgroups;
    private final LibbpfNative.RingSampleFn callback = this::sample; // held here: libbpf keeps only a raw pointer to it
    private final Thread poller;
    private volatile boolean stopping;
    private volatile int pollError;

    private OutlierRing(Libbpf lib, int mapFd, Consumer<Outlier> sink, WallClock clock, CgroupPaths cgroups) throws SourceException {
        this.lib = lib;
        this.sink = sink;
        this.clock = clock;
        this.cgroups = cgroups;
        this.ring = lib.api.ring_buffer__new(mapFd, callback, null, null);
        if (ring == null) {
            throw SourceException.environment("libbpf could not open the outliers' ring buffer: " + Libbpf.strerror(Native.getLastError()));
        }
        poller = new Thread(this::poll, "ctxswitch-outliers");
        poller.setDaemon(true);
    }

    /** Starts reading the ring buffer of {@code mapFd} into {@code sink}. */
    static OutlierRing start(Libbpf lib, int mapFd, Consumer<Outlier> sink) throws SourceException {
        OutlierRing r = new OutlierRing(lib, mapFd, sink, wallClock(), CgroupPaths.ofThisHost());
        r.poller.start();
        return r;
    }

    private void poll() {
        while (!stopping) {
            int n = lib.api.ring_buffer__poll(ring, POLL_MS);
            if (n < 0 && n != -4) { // -EINTR: a signal, poll again
                pollError = n;
                return;
            }
        }
    }

    /** Stops the thread (within one poll's timeout) and hands over every record still in the buffer. */
    void finish() {
        stopping = true;
        try {
            poller.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        lib.api.ring_buffer__consume(ring);
    }

    private int sample(Pointer context, Pointer data, long size) {
        if (size >= KernelLayout.OUTLIER_SIZE) {
            sink.accept(decode(data, clock, cgroups));
        }
        return 0;
    }

    /** One struct outlier, read from the ring buffer's memory. */
    static Outlier decode(Pointer d, WallClock clock, CgroupPaths cgroups) {
        long prevId = d.getLong(KernelLayout.OUT_PREV_ID);
        long nextId = d.getLong(KernelLayout.OUT_NEXT_ID);
        long state = d.getLong(KernelLayout.OUT_PREV_STATE);
        long cgroupId = d.getLong(KernelLayout.OUT_CGROUP_ID);
        return new Outlier(clock.epochNs(d.getLong(KernelLayout.OUT_END_NS)), Outlier.TimeBase.WALL,
                d.getInt(KernelLayout.OUT_CPU), d.getLong(KernelLayout.OUT_LATENCY_NS),
                (int) prevId, comm(d, KernelLayout.OUT_PREV_COMM), state == -1 ? null
                        : TaskState.ofRaw(state, (state & KernelLayout.OUTLIER_PREEMPTED) != 0),
                (int) nextId, comm(d, KernelLayout.OUT_NEXT_COMM), cgroupId, cgroups.path(cgroupId),
                kindLabel(d.getInt(KernelLayout.OUT_KIND)));
    }

    /** The switch's kind as the programs classify it (a KIND_* index, SwitchKind's ordinal); null if unknown. */
    static String kindLabel(int kind) {
        return kind >= 0 && kind < KernelLayout.NKINDS ? io.ctxswitch.core.model.SwitchKind.values()[kind].label() : null;
    }

    private static String comm(Pointer d, int offset) {
        byte[] raw = d.getByteArray(offset, KernelLayout.COMM_LEN);
        int n = 0;
        while (n < raw.length && raw[n] != 0) {
            n++;
        }
        return new String(raw, 0, n, StandardCharsets.UTF_8);
    }

    /** The programs' clock (CLOCK_MONOTONIC) against the wall clock, both read here through libc. */
    private static WallClock wallClock() {
        Memory mono = new Memory(16);
        Memory real = new Memory(16);
        LibC.INSTANCE.clock_gettime(LibC.CLOCK_MONOTONIC, mono);
        LibC.INSTANCE.clock_gettime(LibC.CLOCK_REALTIME, real);
        return new WallClock(mono.getLong(0) * 1_000_000_000L + mono.getLong(8), real.getLong(0) * 1_000_000_000L + real.getLong(8));
    }

    /** An error the poller stopped on, or 0. */
    int pollError() {
        return pollError;
    }

    @Override
    public void close() {
        stopping = true;
        try {
            poller.join(2L * POLL_MS + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!poller.isAlive()) {
            lib.api.ring_buffer__free(ring);
        }
    }
}
