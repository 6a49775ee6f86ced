package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.testing.LiveTestSkip;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KernelLayout must match ctxswitch.h as the compiler laid it out: read back from the object's BTF. */
class KernelLayoutTest {
    private static String btf;

    @BeforeAll
    static void dumpBtf() throws Exception {
        Path bpftool = Path.of("/usr/sbin/bpftool");
        LiveTestSkip.unless(Files.isExecutable(bpftool), "KernelLayoutTest: bpftool is not installed (apt-get install bpftool)");
        Path object = Files.createTempFile("ctxswitch", ".bpf.o");
        try (InputStream in = LibbpfSource.class.getResourceAsStream(LibbpfSource.OBJECT_RESOURCE)) {
            Files.write(object, in.readAllBytes());
        }
        Process p = new ProcessBuilder(bpftool.toString(), "btf", "dump", "file", object.toString()).redirectErrorStream(true).start();
        btf = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(btf).isZero();
        Files.delete(object);
    }

    /** Member name to byte offset, and "size" to the struct's size. */
    private static Map<String, Integer> struct(String name) {
        Matcher header = Pattern.compile("STRUCT '" + name + "' size=(\\d+) vlen=(\\d+)").matcher(btf);
        assertThat(header.find()).as("struct %s in BTF", name).isTrue();
        Map<String, Integer> members = new HashMap<>();
        members.put("size", Integer.parseInt(header.group(1)));
        int vlen = Integer.parseInt(header.group(2));
        Matcher member = Pattern.compile("\\t'(\\w+)' type_id=\\d+ bits_offset=(\\d+)").matcher(btf);
        member.region(header.end(), btf.length());
        for (int i = 0; i < vlen && member.find(); i++) {
            members.put(member.group(1), Integer.parseInt(member.group(2)) / 8);
        }
        return members;
    }

    @Test
    void cpuAggregateMatches() {
        Map<String, Integer> s = struct("cpu_agg");
        assertThat(s.get("size")).isEqualTo(KernelLayout.CPU_AGG_SIZE);
        assertThat(s.get("unpaired")).isEqualTo(KernelLayout.CPU_UNPAIRED);
        assertThat(s.get("no_switch")).isEqualTo(KernelLayout.CPU_NO_SWITCH);
        assertThat(s.get("proc_dropped")).isEqualTo(KernelLayout.CPU_PROC_DROPPED);
        assertThat(s.get("untimed_start")).isEqualTo(KernelLayout.CPU_UNTIMED_START);
        assertThat(s.get("untimed_end")).isEqualTo(KernelLayout.CPU_UNTIMED_END);
        assertThat(s.get("filtered")).isEqualTo(KernelLayout.CPU_FILTERED);
        assertThat(s.get("prev_idle")).isEqualTo(KernelLayout.CPU_PREV_IDLE);
        assertThat(s.get("slot")).isEqualTo(KernelLayout.CPU_SLOTS);
        assertThat(s.get("hist")).isEqualTo(KernelLayout.CPU_HIST);
        assertThat(s.get("outliers_lost")).isEqualTo(KernelLayout.CPU_OUTLIERS_LOST);
        assertThat(s.get("prev_id")).isEqualTo(KernelLayout.CPU_PREV_ID);
        assertThat(s.get("prev_state")).isEqualTo(KernelLayout.CPU_PREV_STATE);
        assertThat(s.get("prev_comm")).isEqualTo(KernelLayout.CPU_PREV_COMM);
        assertThat(s.get("cgroup_dropped")).isEqualTo(KernelLayout.CPU_CGROUP_DROPPED);
        assertThat(s.get("start_gen")).isEqualTo(KernelLayout.CPU_START_GEN);
    }

    @Test
    void perCgroupFiguresMatch() {
        Map<String, Integer> slot = struct("cgroup_slot");
        assertThat(slot.get("size")).isEqualTo(KernelLayout.CGROUP_SLOT_SIZE);
        assertThat(slot.get("exact")).isEqualTo(KernelLayout.CGROUP_SLOT_EXACT);
        assertThat(slot.get("hist")).isEqualTo(KernelLayout.CGROUP_SLOT_HIST);
        Map<String, Integer> entry = struct("cpu_cgroup");
        assertThat(entry.get("size")).isEqualTo(KernelLayout.CPU_CGROUP_SIZE);
        assertThat(entry.get("id")).isEqualTo(KernelLayout.CPU_CGROUP_ID);
        assertThat(entry.get("slot")).isEqualTo(KernelLayout.CPU_CGROUP_SLOTS);
    }

    @Test
    void perKindFiguresMatch() {
        Map<String, Integer> kind = struct("kind_agg");
        assertThat(kind.get("size")).isEqualTo(KernelLayout.KIND_AGG_SIZE);
        assertThat(kind.get("slot")).isEqualTo(KernelLayout.KIND_SLOTS);
        assertThat(kind.get("hist")).isEqualTo(KernelLayout.KIND_HIST);
        Map<String, Integer> cpu = struct("cpu_kinds");
        assertThat(cpu.get("size")).isEqualTo(KernelLayout.CPU_KINDS_SIZE);
        assertThat(cpu.get("switch_kind")).isEqualTo(KernelLayout.KINDS_SWITCH_KIND);
        assertThat(cpu.get("yield_task")).isEqualTo(KernelLayout.KINDS_YIELD_TASK);
        assertThat(cpu.get("kind")).isEqualTo(KernelLayout.KINDS_KIND);
    }

    /** The program's KIND_* indexes are SwitchKind's ordinals: KindAreaReader reads kind k as values()[k]. */
    @Test
    void kindIndexesAreSwitchKindsOrdinals() throws IOException {
        String header = Files.readString(Path.of("src/main/bpf/ctxswitch.h"));
        for (io.ctxswitch.core.model.SwitchKind k : io.ctxswitch.core.model.SwitchKind.values()) {
            assertThat(header).containsPattern("#define KIND_" + k.name() + "\\s+" + k.ordinal() + "\\s");
        }
        assertThat(header).containsPattern("#define NKINDS\\s+" + KernelLayout.NKINDS + "\\s")
                .containsPattern("#define STATE_TASK_DEAD\\s+0x" + Integer.toHexString(KernelLayout.STATE_TASK_DEAD) + "\\s");
        assertThat(io.ctxswitch.core.model.SwitchKind.values()).hasSize(KernelLayout.NKINDS);
    }

    @Test
    void intervalSlotMatches() {
        Map<String, Integer> s = struct("interval_slot");
        assertThat(s.get("size")).isEqualTo(KernelLayout.SLOT_SIZE);
        assertThat(s.get("epoch")).isEqualTo(KernelLayout.SLOT_EPOCH);
        assertThat(s.get("count")).isEqualTo(KernelLayout.SLOT_COUNT);
        assertThat(s.get("sum_ns")).isEqualTo(KernelLayout.SLOT_SUM);
        assertThat(s.get("min_ns")).isEqualTo(KernelLayout.SLOT_MIN);
        assertThat(s.get("max_ns")).isEqualTo(KernelLayout.SLOT_MAX);
    }

    @Test
    void taskAggregateMatches() {
        Map<String, Integer> s = struct("proc_agg");
        assertThat(s.get("size")).isEqualTo(KernelLayout.PROC_AGG_SIZE);
        assertThat(s.get("slot")).isEqualTo(KernelLayout.PROC_SLOTS);
        assertThat(s.get("tgid")).isEqualTo(KernelLayout.PROC_TGID);
        assertThat(s.get("comm")).isEqualTo(KernelLayout.PROC_COMM);
        assertThat(s.get("renames")).isEqualTo(KernelLayout.PROC_RENAMES);
    }

    @Test
    void perCpuTaskEntryMatches() {
        Map<String, Integer> s = struct("cpu_task");
        assertThat(s.get("size")).isEqualTo(KernelLayout.CPU_TASK_SIZE);
        assertThat(s.get("key")).isEqualTo(KernelLayout.CPU_TASK_KEY);
        assertThat(s.get("agg")).isEqualTo(KernelLayout.CPU_TASK_AGG);
    }

    @Test
    void globalsSitWhereUserSpaceWritesThem() {
        assertThat(btf).containsPattern("DATASEC '.data' size=\\d+ vlen=1\\s+type_id=\\d+ offset=0 size="
                + KernelLayout.DATA_SIZE + " \\(VAR 'ctl'\\)");
        Map<String, Integer> control = struct("control");
        assertThat(control.get("size")).isEqualTo(KernelLayout.DATA_SIZE);
        assertThat(control.get("epoch")).isEqualTo(KernelLayout.DATA_EPOCH);
        assertThat(control.get("armed_ns")).isEqualTo(KernelLayout.DATA_ARMED_NS);
    }

    /**
     * .rodata's variables sit where user space writes them before load: their offsets are in the ELF
     * symbol table (the object's BTF has them only once libbpf has opened it), their sizes in BTF.
     */
    @Test
    void readOnlySettingsSitWhereUserSpaceWritesThem() throws Exception {
        assertThat(btf).containsPattern("size=4 \\(VAR 'per_task'\\)").containsPattern("size=4 \\(VAR 'filters'\\)")
                .containsPattern("size=" + KernelLayout.COMM_LEN + " \\(VAR 'filter_comm'\\)")
                .containsPattern("size=" + KernelLayout.CPU_MASK_WORDS * 8 + " \\(VAR 'cpu_mask'\\)")
                .containsPattern("size=8 \\(VAR 'slower_ns'\\)");
        Map<String, Integer> offsets = sectionSymbols(".rodata");
        assertThat(offsets).containsEntry("per_task", KernelLayout.RODATA_PER_TASK)
                .containsEntry("filters", KernelLayout.RODATA_FILTERS)
                .containsEntry("filter_comm", KernelLayout.RODATA_FILTER_COMM)
                .containsEntry("cpu_mask", KernelLayout.RODATA_CPU_MASK)
                .containsEntry("by_kind", KernelLayout.RODATA_BY_KIND)
                .containsEntry("by_cgroup", KernelLayout.RODATA_BY_CGROUP)
                .containsEntry("slower_ns", KernelLayout.RODATA_SLOWER_NS);
    }

    /** .rodata.ids, the few --pid/--tid ids compared in line, likewise. */
    @Test
    void inlineIdsSitWhereUserSpaceWritesThem() throws Exception {
        assertThat(btf).containsPattern("size=4 \\(VAR 'inline_ids_count'\\)")
                .containsPattern("size=" + KernelLayout.FILTER_IDS_INLINE * 4 + " \\(VAR 'inline_ids'\\)")
                .containsPattern("size=" + KernelLayout.FILTER_IDS_INLINE + " \\(VAR 'inline_id_kinds'\\)");
        assertThat(sectionSymbols(".rodata.ids")).containsEntry("inline_ids_count", KernelLayout.RODATA_IDS_COUNT)
                .containsEntry("inline_ids", KernelLayout.RODATA_IDS)
                .containsEntry("inline_id_kinds", KernelLayout.RODATA_ID_KINDS);
    }

    /** .rodata.comm, where the kernel keeps a task's name and the bytes of --comm's name that count, likewise. */
    @Test
    void nameSettingsSitWhereUserSpaceWritesThem() throws Exception {
        assertThat(btf).containsPattern("size=4 \\(VAR 'task_comm_offset'\\)")
                .containsPattern("size=" + KernelLayout.COMM_LEN + " \\(VAR 'filter_comm_mask'\\)");
        assertThat(sectionSymbols(".rodata.comm")).containsEntry("task_comm_offset", KernelLayout.RODATA_TASK_COMM_OFFSET)
                .containsEntry("filter_comm_mask", KernelLayout.RODATA_FILTER_COMM_MASK);
    }

    /** The object's symbols in {@code section}, name to offset, from readelf (binutils). */
    private static Map<String, Integer> sectionSymbols(String section) throws Exception {
        Path readelf = Path.of("/usr/bin/readelf");
        LiveTestSkip.unless(Files.isExecutable(readelf), "KernelLayoutTest: readelf is not installed (apt-get install binutils)");
        Path object = Files.createTempFile("ctxswitch", ".bpf.o");
        try (InputStream in = LibbpfSource.class.getResourceAsStream(LibbpfSource.OBJECT_RESOURCE)) {
            Files.write(object, in.readAllBytes());
        }
        try {
            String sections = run(readelf.toString(), "-SW", object.toString());
            Matcher rodata = Pattern.compile("\\[\\s*(\\d+)\\] " + Pattern.quote(section) + "\\s").matcher(sections);
            assertThat(rodata.find()).as(sections).isTrue();
            Map<String, Integer> offsets = new HashMap<>();
            Matcher symbol = Pattern.compile("\\d+: ([0-9a-f]{16})\\s+\\d+ OBJECT\\s+GLOBAL\\s+DEFAULT\\s+" + rodata.group(1) + " (\\w+)")
                    .matcher(run(readelf.toString(), "-sW", object.toString()));
            while (symbol.find()) {
                offsets.put(symbol.group(2), Integer.parseInt(symbol.group(1), 16));
            }
            return offsets;
        } finally {
            Files.delete(object);
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void histogramSizeMatchesTheHeader() throws IOException {
        String header = Files.readString(Path.of("src/main/bpf/ctxswitch.h"));
        assertThat(header).contains("#define SUB_BITS " + KernelLayout.SUB_BITS + "\n");
        assertThat(header).contains("#define MAX_EXP " + KernelLayout.MAX_EXP + "\n");
        assertThat(header).contains("#define PROC_TABLE_SIZE " + KernelLayout.PROC_TABLE_SIZE + "\n");
        assertThat(header).contains("#define CPU_MASK_WORDS " + KernelLayout.CPU_MASK_WORDS + "\n");
        assertThat(header).contains("#define CPU_TASKS " + KernelLayout.CPU_TASKS + "\n");
        assertThat(header).contains("#define CPU_CGROUPS " + KernelLayout.CPU_CGROUPS + "\n");
        assertThat(header).contains("#define CGROUP_BUCKETS " + KernelLayout.CGROUP_BUCKETS + "\n");
        assertThat(header).contains("#define FILTER_IDS_INLINE " + KernelLayout.FILTER_IDS_INLINE + "\n");
        assertThat(header).containsPattern("#define FILTER_PID\\s+" + KernelLayout.FILTER_PID + "\\s")
                .containsPattern("#define FILTER_TID\\s+" + KernelLayout.FILTER_TID + "\\s")
                .containsPattern("#define FILTER_COMM\\s+" + KernelLayout.FILTER_COMM + "\\s")
                .containsPattern("#define FILTER_CGROUP\\s+" + KernelLayout.FILTER_CGROUP + "\\s")
                .containsPattern("#define FILTER_CPUS\\s+" + KernelLayout.FILTER_CPUS + "\\s")
                .containsPattern("#define FILTER_EXCLUDE_IDLE\\s+" + KernelLayout.FILTER_EXCLUDE_IDLE + "\\s");
    }
}
