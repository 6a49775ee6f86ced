package io.ctxswitch.libbpf;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.ctxswitch.core.spi.SourceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kretprobe on schedule() with room for {@link #MAX_ACTIVE} tasks inside it at once, made through
 * tracefs' kprobe_events. A kretprobe needs one instance per task that has entered the function and
 * not yet returned; the perf kprobe PMU that libbpf uses allows only max(10, 2 x CPUs), and since
 * every sleeping task sits inside schedule(), the returns of all the others would be lost (measured
 * on Linux 6.1: two thirds of the pipe ping-pong's switches). kprobe_events takes the count.
 *
 * <p>The event is named after our pid and removed on {@link #close}; one left by a process that was
 * killed is removed by the next run.
 */
final class KretprobeEvent implements AutoCloseable {
    /** The kernel's limit (KRETPROBE_MAXACTIVE_MAX). */
    static final int MAX_ACTIVE = 4096;
    static final String PREFIX = "ctxsw_ret_";
    private static final List<Path> TRACEFS = List.of(Path.of("/sys/kernel/tracing"), Path.of("/sys/kernel/debug/tracing"));
    private static final int PERF_TYPE_TRACEPOINT = 2;
    private static final int PERF_ATTR_SIZE = 128;

    private final Path events;
    private final String name;
    private int perfFd = -1;

    private KretprobeEvent(Path events, String name) {
        this.events = events;
        this.name = name;
    }

    /** Where kprobe_events is, or null when tracefs is not mounted. */
    static Path kprobeEvents() {
        for (Path tracefs : TRACEFS) {
            Path file = tracefs.resolve("kprobe_events");
            if (Files.exists(file)) {
                return file;
            }
        }
        return null;
    }

    /** Creates the event on {@code function} and opens it as a perf event, for a BPF program to attach to. */
    static KretprobeEvent create(String function) throws SourceException {
        Path events = kprobeEvents();
        if (events == null) {
            throw SourceException.environment("the kprobe mode needs tracefs for its kretprobe: mount it with"
                    + " 'mount -t tracefs nodev /sys/kernel/tracing'");
        }
        removeAbandoned(events);
        long pid = ProcessHandle.current().pid();
        KretprobeEvent event = new KretprobeEvent(events, PREFIX + pid + "_" + System.nanoTime() % 1_000_000);
        try {
            event.define("r" + MAX_ACTIVE + ":kprobes/" + event.name + " " + function);
            event.open();
            return event;
        } catch (SourceException | RuntimeException e) {
            event.close();
            throw e;
        }
    }

    private void define(String definition) throws SourceException {
        try {
            // APPEND, never TRUNCATE_EXISTING: truncating kprobe_events removes every kprobe on the system.
            Files.writeString(events, definition + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw SourceException.environment("creating the kretprobe on schedule() in " + events + " failed: " + e.getMessage());
        }
    }

    private void open() throws SourceException {
        int id;
        try {
            id = Integer.parseInt(Files.readString(events.resolveSibling("events/kprobes/" + name + "/id")).strip());
        } catch (IOException | NumberFormatException e) {
            throw SourceException.environment("the kretprobe event " + name + " has no readable id: " + e.getMessage());
        }
        Memory attr = new Memory(PERF_ATTR_SIZE);
        attr.clear();
        attr.setInt(0, PERF_TYPE_TRACEPOINT);
        attr.setInt(4, PERF_ATTR_SIZE);
        attr.setLong(8, id);
        // A trace event's BPF program runs on every CPU; the perf event is only its handle (pid -1, CPU 0).
        perfFd = LibC.INSTANCE.syscall(LibC.SYS_PERF_EVENT_OPEN, attr, -1, 0, -1, LibC.PERF_FLAG_FD_CLOEXEC);
        if (perfFd < 0) {
            throw SourceException.environment("opening the kretprobe event failed: " + Libbpf.strerror(Native.getLastError()));
        }
    }

    /** Attaches {@code program}; the link then owns the perf event (destroying it closes the descriptor). */
    Pointer attach(Libbpf lib, Pointer program) {
        Pointer link = lib.api.bpf_program__attach_perf_event(program, perfFd);
        if (link != null) {
            perfFd = -1;
        }
        return link;
    }

    /** Removes the event (after the link using it is destroyed). Idempotent, never throws. */
    @Override
    public void close() {
        if (perfFd >= 0) {
            LibC.INSTANCE.close(perfFd);
            perfFd = -1;
        }
        remove(events, name);
    }

    private static void remove(Path events, String name) {
        try {
            if (Files.readString(events).contains(":kprobes/" + name + " ")) {
                Files.writeString(events, "-:kprobes/" + name + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            }
        } catch (IOException | RuntimeException e) {
            // still in use or already gone: nothing more to do here
        }
    }

    /** Removes our events whose process no longer runs (killed before it could remove them). */
    static void removeAbandoned(Path events) {
        String defined;
        try {
            defined = Files.readString(events);
        } catch (IOException e) {
            return;
        }
        Matcher ours = Pattern.compile(":kprobes/(" + PREFIX + "(\\d+)_\\d+) ").matcher(defined);
        while (ours.find()) {
            long owner = Long.parseLong(ours.group(2));
            if (ProcessHandle.of(owner).map(p -> !p.isAlive()).orElse(true)) {
                remove(events, ours.group(1));
            }
        }
    }
}
