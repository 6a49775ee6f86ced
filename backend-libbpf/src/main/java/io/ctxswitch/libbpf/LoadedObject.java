package io.ctxswitch.libbpf;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.SwitchFilter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Our BPF object in the kernel: opened from memory, sized for this machine's CPUs, loaded,
 * attached, and released on {@link #close} whatever state it reached. Nothing is pinned, so the
 * kernel also frees everything if the process dies.
 */
final class LoadedObject implements AutoCloseable {
    private static final long PAGE = 4096;

    private final Libbpf lib;
    private final Memory elf;   // libbpf reads the ELF from this buffer until the object is closed
    private final Memory name;  // the object's name, for bpftool and the internal maps' names
    private Pointer object;
    private final Deque<Pointer> links = new ArrayDeque<>();
    private Pointer cpuArea;
    private long cpuAreaLength;
    private int dataFd = -1;
    private final Memory zeroKey = new Memory(4);
    private final Memory data = new Memory(KernelLayout.DATA_SIZE); // our copy of .data: epoch, armed_ns
    private int procsFd = -1;
    private Pointer cpuTasks;   // with --top: struct cpu_task[cpus * CPU_TASKS], read-only
    private long cpuTasksLength;
    private Pointer kindsArea; // --by=kind: struct cpu_kinds[cpus], read-only; null without it
    private long kindsAreaLength;
    private Pointer cgroupsArea; // --by=cgroup: struct cpu_cgroup[cpus * CPU_CGROUPS], read-only; null without it
    private long cgroupsAreaLength;
    private int outliersFd = -1;
    final int cpus;
    /** The outliers' ring buffer with --slower: room for some 10,000 records between two polls. */
    static final int OUTLIER_RING_BYTES = 1 << 20;
    /** Without --slower: the smallest a ring buffer can be, never written. */
    static final int IDLE_RING_BYTES = 4096;

    private LoadedObject(Libbpf lib, byte[] elfBytes, int cpus) {
        this.lib = lib;
        this.cpus = cpus;
        this.elf = new Memory(elfBytes.length);
        this.elf.write(0, elfBytes, 0, elfBytes.length);
        byte[] objectName = "ctxswitch\0".getBytes(StandardCharsets.US_ASCII);
        this.name = new Memory(objectName.length);
        this.name.write(0, objectName, 0, objectName.length);
    }

    /** Opens and loads the object with all of {@code probe}'s programs; on failure nothing stays behind. */
    static LoadedObject load(Libbpf lib, byte[] elfBytes, KernelProbe probe, boolean perTask) throws SourceException {
        return load(lib, elfBytes, probe, probe.programs, perTask, new KernelFilter(SwitchFilter.NONE), false, 0, false);
    }

    static LoadedObject load(Libbpf lib, byte[] elfBytes, KernelProbe probe, java.util.List<String> programs, boolean perTask,
                             KernelFilter filter) throws SourceException {
        return load(lib, elfBytes, probe, programs, perTask, filter, false, 0, false);
    }

    /**
     * Opens and loads the object with only {@code programs} of {@code probe}; on failure nothing stays behind.
     * @param byKind --by=kind: the per-kind figures kept, and the kinds map mapped into memory
     * @param slowerNs --slower's threshold, 0 for off; with it or byKind, the switches are classified (the kinds
     *                 map sized to the CPUs), since each outlier carries its kind
     * @param byCgroup --by=cgroup: the per-CPU cgroup table sized, kept and mapped into memory
     */
    static LoadedObject load(Libbpf lib, byte[] elfBytes, KernelProbe probe, java.util.List<String> programs, boolean perTask,
                             KernelFilter filter, boolean byKind, long slowerNs, boolean byCgroup) throws SourceException {
        int cpus = lib.api.libbpf_num_possible_cpus();
        if (cpus <= 0) {
            throw SourceException.environment("cannot tell how many CPUs this machine has: " + Libbpf.strerror(cpus));
        }
        LoadedObject loaded = new LoadedObject(lib, elfBytes, cpus);
        try {
            loaded.open(probe, programs, perTask, filter, byKind, slowerNs, byCgroup);
            return loaded;
        } catch (SourceException | RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    private void open(KernelProbe probe, java.util.List<String> programs, boolean perTask, KernelFilter filter, boolean byKind,
                      long slowerNs, boolean byCgroup)
            throws SourceException {
        lib.clearLog();
        Memory opts = new Memory(16); // struct bpf_object_open_opts { size_t sz; const char *object_name; }
        opts.setLong(0, 16);
        opts.setPointer(8, name);
        object = lib.api.bpf_object__open_mem(elf, elf.size(), opts);
        if (object == null) {
            throw failure("libbpf could not open the BPF object", Native.getLastError());
        }
        loadOnly(programs);
        Pointer cpuMap = map("cpus");
        check(lib.api.bpf_map__set_max_entries(cpuMap, cpus), "sizing the per-CPU map");
        Pointer cpuTasksMap = map("cpu_tasks");
        check(lib.api.bpf_map__set_max_entries(cpuTasksMap, perTask ? cpus * KernelLayout.CPU_TASKS : 1),
                "sizing the per-CPU task table");
        Pointer rodata = lib.api.bpf_map__initial_value(map(".rodata"), new long[1]);
        if (rodata == null) {
            throw failure("libbpf gave no .rodata to configure", Native.getLastError());
        }
        rodata.setInt(KernelLayout.RODATA_PER_TASK, perTask ? 1 : 0);
        rodata.setInt(KernelLayout.RODATA_FILTERS, filter.bits());
        rodata.write(KernelLayout.RODATA_FILTER_COMM, filter.comm(), 0, KernelLayout.COMM_LEN);
        rodata.write(KernelLayout.RODATA_CPU_MASK, filter.cpuMask(), 0, KernelLayout.CPU_MASK_WORDS);
        writeInlineIds(filter);
        writeNameSettings(probe, filter, slowerNs);
        check(lib.api.bpf_map__set_max_entries(map("ids"), filter.idsCapacity()), "sizing the id filter's map");
        rodata.setInt(KernelLayout.RODATA_BY_KIND, byKind ? 1 : 0);
        Pointer kindsMap = map("kinds");
        check(lib.api.bpf_map__set_max_entries(kindsMap, byKind || slowerNs > 0 ? cpus : 1), "sizing the per-kind map");
        rodata.setInt(KernelLayout.RODATA_BY_CGROUP, byCgroup ? 1 : 0);
        Pointer cgroupsMap = map("cpu_cgroups");
        check(lib.api.bpf_map__set_max_entries(cgroupsMap, byCgroup ? cpus * KernelLayout.CPU_CGROUPS : 1),
                "sizing the per-CPU cgroup table");
        rodata.setLong(KernelLayout.RODATA_SLOWER_NS, slowerNs);
        check(lib.api.bpf_map__set_max_entries(map("outliers"), slowerNs > 0 ? OUTLIER_RING_BYTES : IDLE_RING_BYTES),
                "sizing the outliers' ring buffer");
        lib.clearLog();
        int err = lib.api.bpf_object__load(object);
        if (err != 0) {
            throw failure("the kernel refused to load the BPF program (" + probe.mode + " mode)" + firstLogLine(), err);
        }
        cpuAreaLength = (KernelLayout.CPU_AGG_SIZE * (long) cpus + PAGE - 1) / PAGE * PAGE;
        cpuArea = LibC.INSTANCE.mmap(null, cpuAreaLength, LibC.PROT_READ, LibC.MAP_SHARED, lib.api.bpf_map__fd(cpuMap), 0);
        if (cpuArea == null || LibC.MAP_FAILED.equals(cpuArea)) {
            cpuArea = null;
            throw failure("mapping the per-CPU figures into memory failed", Native.getLastError());
        }
        if (perTask) {
            cpuTasksLength = ((long) KernelLayout.CPU_TASK_SIZE * cpus * KernelLayout.CPU_TASKS + PAGE - 1) / PAGE * PAGE;
            cpuTasks = LibC.INSTANCE.mmap(null, cpuTasksLength, LibC.PROT_READ, LibC.MAP_SHARED, lib.api.bpf_map__fd(cpuTasksMap), 0);
            if (cpuTasks == null || LibC.MAP_FAILED.equals(cpuTasks)) {
                cpuTasks = null;
                throw failure("mapping the per-CPU task table into memory failed", Native.getLastError());
            }
        }
        if (byKind) {
            kindsAreaLength = (KernelLayout.CPU_KINDS_SIZE * (long) cpus + PAGE - 1) / PAGE * PAGE;
            kindsArea = LibC.INSTANCE.mmap(null, kindsAreaLength, LibC.PROT_READ, LibC.MAP_SHARED, lib.api.bpf_map__fd(kindsMap), 0);
            if (kindsArea == null || LibC.MAP_FAILED.equals(kindsArea)) {
                kindsArea = null;
                throw failure("mapping the per-kind figures into memory failed", Native.getLastError());
            }
        }
        if (byCgroup) {
            cgroupsAreaLength = ((long) KernelLayout.CPU_CGROUP_SIZE * cpus * KernelLayout.CPU_CGROUPS + PAGE - 1) / PAGE * PAGE;
            cgroupsArea = LibC.INSTANCE.mmap(null, cgroupsAreaLength, LibC.PROT_READ, LibC.MAP_SHARED, lib.api.bpf_map__fd(cgroupsMap), 0);
            if (cgroupsArea == null || LibC.MAP_FAILED.equals(cgroupsArea)) {
                cgroupsArea = null;
                throw failure("mapping the per-CPU cgroup table into memory failed", Native.getLastError());
            }
        }
        dataFd = lib.api.bpf_map__fd(map(".data"));
        zeroKey.setInt(0, 0);
        data.clear();
        data.setLong(KernelLayout.DATA_EPOCH, 1);
        procsFd = lib.api.bpf_map__fd(map("procs"));
        outliersFd = lib.api.bpf_map__fd(map("outliers"));
        fillFilterMaps(filter);
    }

    /** .rodata.ids: a few --pid/--tid ids, compared in line by the program (KernelFilter.inlineIds). */
    private void writeInlineIds(KernelFilter filter) throws SourceException {
        Pointer ids = lib.api.bpf_map__initial_value(map(".rodata.ids"), new long[1]);
        if (ids == null) {
            throw failure("libbpf gave no .rodata.ids to configure", Native.getLastError());
        }
        java.util.Map<Integer, Byte> inline = filter.inlineIds();
        ids.setInt(KernelLayout.RODATA_IDS_COUNT, inline.size());
        int i = 0;
        for (java.util.Map.Entry<Integer, Byte> id : inline.entrySet()) {
            ids.setInt(KernelLayout.RODATA_IDS + 4L * i, id.getKey());
            ids.setByte(KernelLayout.RODATA_ID_KINDS + i, id.getValue());
            i++;
        }
    }

    /**
     * .rodata.comm: where this kernel keeps a task's name (TaskCommOffset), for the programs to read it in place, when
     * they read one at every switch (--comm, --slower) in a mode whose programs have BTF (sched-tp, fentry; the
     * kprobe mode needs none, and copies the name); and the bytes of --comm's name that count.
     */
    private void writeNameSettings(KernelProbe probe, KernelFilter filter, long slowerNs) throws SourceException {
        Pointer names = lib.api.bpf_map__initial_value(map(".rodata.comm"), new long[1]);
        if (names == null) {
            throw failure("libbpf gave no .rodata.comm to configure", Native.getLastError());
        }
        boolean inPlace = (filter.comparesNames() || slowerNs > 0) && probe != KernelProbe.KPROBE;
        names.setInt(KernelLayout.RODATA_TASK_COMM_OFFSET, inPlace ? TaskCommOffset.find(lib) : 0);
        names.write(KernelLayout.RODATA_FILTER_COMM_MASK, filter.commMask(), 0, KernelLayout.COMM_LEN);
    }

    /** The filter's ids and cgroup, into their maps before anything is attached. */
    private void fillFilterMaps(KernelFilter filter) throws SourceException {
        int idsFd = lib.api.bpf_map__fd(map("ids"));
        Memory key = new Memory(4);
        Memory kinds = new Memory(1);
        for (java.util.Map.Entry<Integer, Byte> id : filter.ids().entrySet()) {
            key.setInt(0, id.getKey());
            kinds.setByte(0, id.getValue());
            check(lib.api.bpf_map_update_elem(idsFd, key, kinds, 0), "filling the id filter's map");
        }
        if (filter.cgroup() != null) {
            int dir = LibC.INSTANCE.open(filter.cgroup().toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
            if (dir < 0) {
                throw failure("opening the cgroup " + filter.cgroup(), Native.getLastError());
            }
            try {
                Memory fd = new Memory(4);
                fd.setInt(0, dir);
                key.setInt(0, 0);
                // The map keeps its own reference to the cgroup; the kernel refuses a directory that is not cgroup v2.
                check(lib.api.bpf_map_update_elem(lib.api.bpf_map__fd(map("cgroup")), key, fd, 0),
                        "giving the kernel the cgroup " + filter.cgroup() + " (it must be a cgroup v2 directory)");
            } finally {
                LibC.INSTANCE.close(dir);
            }
        }
    }

    /**
     * Loads only the mode's programs: another mode's attachment point may not exist in this kernel
     * (sched_entry_tp before 6.15), and its program would fail the whole load.
     */
    private void loadOnly(java.util.List<String> programs) throws SourceException {
        for (Pointer prog = lib.api.bpf_object__next_program(object, null); prog != null;
             prog = lib.api.bpf_object__next_program(object, prog)) {
            check(lib.api.bpf_program__set_autoload(prog, programs.contains(lib.api.bpf_program__name(prog))),
                    "choosing the programs to load");
        }
    }

    /** Attaches the programs in this order (entry before exit, so that no exit comes first). */
    void attach(java.util.List<String> programs) throws SourceException {
        for (String program : programs) {
            Pointer prog = lib.api.bpf_object__find_program_by_name(object, program);
            if (prog == null) {
                throw new SourceException(SourceException.Kind.UNEXPECTED, "the BPF object has no program " + program);
            }
            lib.clearLog();
            Pointer link;
            if (program.equals(KernelProbe.FINISH_PROGRAM)) {
                link = lib.api.bpf_program__attach_kprobe(prog, false, KernelSymbols.finishTaskSwitch());
            } else {
                link = lib.api.bpf_program__attach(prog);
            }
            if (link == null) {
                throw failure("attaching " + program + " failed", Native.getLastError());
            }
            links.push(link);
        }
    }

    /** Detaches every program; the maps stay readable until {@link #close}. */
    void detach() {
        while (!links.isEmpty()) {
            lib.api.bpf_link__destroy(links.pop());
        }

    }

    /** The per-CPU aggregates (struct cpu_agg[cpus]), read-only. */
    Pointer cpuArea() {
        return cpuArea;
    }

    /** The per-CPU figures by kind (struct cpu_kinds[cpus]), read-only; null without --by=kind. */
    Pointer kindsArea() {
        return kindsArea;
    }

    /** The per-CPU cgroup table (struct cpu_cgroup[cpus * CPU_CGROUPS]), read-only; null without --by=cgroup. */
    Pointer cgroupsArea() {
        return cgroupsArea;
    }

    /** Sets the epoch the programs write to (see KernelReader). */
    void setEpoch(long epoch) {
        data.setLong(KernelLayout.DATA_EPOCH, epoch);
        writeData();
    }

    /**
     * Arms the programs once every one is attached: from now on an unmatched end counts as unpaired,
     * and a start taken earlier (while they attached one by one, so maybe without its other half) is
     * dropped. Disarmed (0) once detaching begins.
     */
    void setArmed(boolean armed) {
        data.setLong(KernelLayout.DATA_ARMED_NS, armed ? monotonicNow() : 0);
        writeData();
    }

    /** bpf_ktime_get_ns()'s clock, read here rather than trusting System.nanoTime()'s source. */
    private static long monotonicNow() {
        Memory timespec = new Memory(16);
        if (LibC.INSTANCE.clock_gettime(LibC.CLOCK_MONOTONIC, timespec) != 0) {
            throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC) failed: " + Native.getLastError());
        }
        return timespec.getLong(0) * 1_000_000_000L + timespec.getLong(8);
    }

    /** Whether the kernel's copy of .data is armed (to check that our writes reach the programs). */
    boolean kernelArmed() {
        Memory kernel = new Memory(KernelLayout.DATA_SIZE);
        if (lib.api.bpf_map_lookup_elem(dataFd, zeroKey, kernel) != 0) {
            throw new IllegalStateException("reading the program's settings failed");
        }
        return kernel.getLong(KernelLayout.DATA_ARMED_NS) != 0;
    }

    /**
     * Writes .data with a map update, not through libbpf's copy of it: before libbpf 1.5 that copy is
     * the kernel's memory only for skeletons. The whole section is written, from our copy of it.
     */
    private void writeData() {
        int err = lib.api.bpf_map_update_elem(dataFd, zeroKey, data, 0);
        if (err != 0) {
            throw new IllegalStateException("updating the program's settings failed: " + Libbpf.strerror(err));
        }
    }

    int procsFd() {
        return procsFd;
    }

    /** With --top, the per-CPU task table (struct cpu_task[cpus * CPU_TASKS]), read-only; else null. */
    Pointer cpuTasks() {
        return cpuTasks;
    }

    /** The --slower outliers' ring buffer. */
    int outliersFd() {
        return outliersFd;
    }

    @Override
    public void close() {
        detach();
        if (cpuArea != null) {
            LibC.INSTANCE.munmap(cpuArea, cpuAreaLength);
            cpuArea = null;
        }
        if (cpuTasks != null) {
            LibC.INSTANCE.munmap(cpuTasks, cpuTasksLength);
            cpuTasks = null;
        }
        if (kindsArea != null) {
            LibC.INSTANCE.munmap(kindsArea, kindsAreaLength);
            kindsArea = null;
        }
        if (cgroupsArea != null) {
            LibC.INSTANCE.munmap(cgroupsArea, cgroupsAreaLength);
            cgroupsArea = null;
        }
        if (object != null) {
            lib.api.bpf_object__close(object);
            object = null;
        }
    }

    private Pointer map(String mapName) throws SourceException {
        Pointer map = lib.api.bpf_object__find_map_by_name(object, mapName);
        if (map == null) {
            throw new SourceException(SourceException.Kind.UNEXPECTED, "the BPF object has no map " + mapName);
        }
        return map;
    }

    /** libbpf's first word on a failed load, which usually names the program and the cause. */
    private String firstLogLine() {
        return lib.log().lines().filter(l -> l.startsWith("libbpf: prog ") || l.startsWith("libbpf: failed"))
                .findFirst().map(l -> ": " + l.substring("libbpf: ".length()).strip().replaceAll(":? BPF program load failed.*", ""))
                .orElse("");
    }

    private void check(int err, String what) throws SourceException {
        if (err != 0) {
            throw failure(what + " failed", err);
        }
    }

    /** An environment error with errno's text, and libbpf's log (the verifier's complaint) as detail. */
    private SourceException failure(String what, int errno) {
        int code = Math.abs(errno);
        boolean unprivileged = (code == 1 || code == 13) && !io.ctxswitch.core.host.Capabilities.current().canTraceWithBpf();
        String hint = unprivileged ? " (run it as root, or with CAP_BPF and CAP_PERFMON)" : "";
        String log = lib.log();
        return new SourceException(SourceException.Kind.ENVIRONMENT,
                what + ": " + Libbpf.strerror(code) + hint, log.isEmpty() ? null : log, null);
    }
}
