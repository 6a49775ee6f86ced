package io.ctxswitch.bpftrace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The generated script per mode and version. That bpftrace accepts it is shown by the live tests and the golden outputs. */
class BpftraceScriptTest {
    private static final BpftraceVersion V017 = new BpftraceVersion(0, 17, 0);
    private static final BpftraceVersion V023 = new BpftraceVersion(0, 23, 2);

    @Test
    void schedTpUsesTheRawTracepointsAndIsSwitch() {
        String s = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false);
        assertThat(s).contains("rawtracepoint:sched_entry_tp {").contains("rawtracepoint:sched_exit_tp {")
                .contains("(arg0 & 0xff) == 0").doesNotContain("schedule").doesNotContain("@ctxsw_task_n");
        assertThat(s).startsWith("BEGIN { printf(\"ctxswitch bpftrace script: probe sched-tp\\n\"); }");
    }

    /**
     * --slower: each mode prints a kept switch at or above the threshold (a number), with A's tid and name noted at its
     * start and A's state at sched_switch, and clears what it noted at the end (bpftrace would print it); nothing of it
     * without --slower. kprobe and fentry note the state from the sched_switch tracepoint they already use (-1 until
     * it is seen); sched-tp in the raw sched_switch probe that notes the kind (see below), and has no other. Each outlier
     * is counted in the branch that prints it, before the printf (BpftraceResult#outliersLost).
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void slowerPrintsOutliersWithANotedAtItsStartAndClearsItsMaps() {
        for (BpftraceProbe probe : BpftraceProbe.values()) {
            String s = BpftraceScript.generate(probe, V023, false, io.ctxswitch.core.spi.SwitchFilter.NONE, 123_456);
            // sched-tp classifies for its outliers' kind (the kind's number ends the line); the others print -1
            boolean classifies = probe == BpftraceProbe.SCHED_TP;
            assertThat(s).as(probe.toString())
                    .contains("if ($d >= 123456) { @ctxsw_outliers = count(); printf(\"ctxswitch outlier %llu %d %llu %d %lld %d %llu %d\\t%s\\t%s\\n\", $now, cpu, $d,"
                            + " @ctxsw_prev[cpu], @ctxsw_prev_state[cpu], tid, cgroup, " + (classifies ? "$k" : "-1")
                            + ", @ctxsw_prev_comm[cpu], comm); }")
                    .contains("\tclear(@ctxsw_prev);\n").contains("\tclear(@ctxsw_prev_comm);\n\tclear(@ctxsw_prev_state);\n");
            if (classifies) {
                assertThat(s).contains("rawtracepoint:sched_entry_tp {\n\tif (@ctxsw_start[cpu]) { @ctxsw_unpaired = count(); }\n"
                                + "\t@ctxsw_prev[cpu] = tid;\n\t@ctxsw_prev_comm[cpu] = comm;\n\t@ctxsw_start[cpu] = nsecs;\n}\n")
                        .doesNotContain("tracepoint:sched:sched_switch").doesNotContain("args->prev_state").doesNotContain("= -1;");
            } else {
                assertThat(s).as(probe.toString()).contains("\t@ctxsw_prev_comm[cpu] = comm;\n\t@ctxsw_prev_state[cpu] = -1;\n")
                        .contains("\t\t@ctxsw_prev_state[cpu] = args->prev_state;\n").doesNotContain("curtask");
            }
            assertThat(s.contains("rawtracepoint:sched_switch {")).as(probe + " notes the kind").isEqualTo(classifies);
            assertThat(s.contains("\tclear(@ctxsw_kind);\n\tclear(@ctxsw_yield);\n")).as(probe + " clears the kind's notes").isEqualTo(classifies);
            String plain = BpftraceScript.generate(probe, V023, false);
            assertThat(plain).doesNotContain("outlier").doesNotContain(BpftraceScript.EMITTED_MAP).doesNotContain("prev_comm").doesNotContain("prev_state").doesNotContain("$k");
        }
        // Classified for the outliers only: the figures stay keyed by CPU alone, as without --slower.
        assertThat(BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false, io.ctxswitch.core.spi.SwitchFilter.NONE, 1))
                .contains("@ctxsw_n[cpu] = count();").contains("@ctxsw_hist[$b] = count();").doesNotContain("[cpu, $k]")
                .contains("\t\tif ($k == 0) { @ctxsw_unpaired = count(); } else {\n");
        assertThat(BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false, io.ctxswitch.core.spi.SwitchFilter.NONE, 1))
                .contains("rawtracepoint:sched_entry_tp {\n\tif (@ctxsw_start[cpu]) { @ctxsw_unpaired = count(); }\n\t@ctxsw_prev[cpu] = tid;\n");
    }

    /**
     * sched-tp --slower: A's state noted by the probe that notes the kind, after it (one probe, so never the one without
     * the other), as the sched_switch tracepoint reports it (__trace_sched_switch_state() of Linux 6.15+): 0x100 if
     * preempted, else the highest bit of (raw state | exit state) & 0x7f, 0x80 for TASK_IDLE, 0x2 for TASK_RTLOCK_WAIT
     * or TASK_FROZEN; with --by=kind and --slower alike; not with --by=kind alone.
     */
    @Test
    void schedTpSlowerNotesAStateAsTheTracepointReportsItWhereItNotesTheKind() {
        String state = """
                	@ctxsw_kind[cpu] = $k + 1;
                	$r = ((arg3 & 0xffffffff) | curtask->exit_state) & 0x7f;
                	if ((arg3 & 0x402) == 0x402) { $r = 0x80; }
                	if (arg3 & 0x9000) { $r = 0x2; }
                	$r = $r | ($r >> 1);
                	$r = $r | ($r >> 2);
                	$r = $r | ($r >> 4);
                	$r = $r - ($r >> 1);
                	if (arg0 & 0xff) { $r = 0x100; }
                	@ctxsw_prev_state[cpu] = $r;
                }
                """;
        for (boolean byKind : new boolean[] {false, true}) {
            String s = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false, io.ctxswitch.core.spi.SwitchFilter.NONE, 4096, byKind);
            assertThat(s).as("by kind: %s", byKind).contains("rawtracepoint:sched_switch {\n").contains(state)
                    .containsOnlyOnce("@ctxsw_prev_state[cpu] =").containsOnlyOnce("sched_switch");
        }
        assertThat(BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false, io.ctxswitch.core.spi.SwitchFilter.NONE, 0, true))
                .contains("\t@ctxsw_kind[cpu] = $k + 1;\n}\n").doesNotContain("prev_state").doesNotContain("curtask");
    }

    /**
     * --by=kind (sched-tp): A's leaving noted at sched_switch's raw tracepoint by libbpf's rules, in their order (idle A,
     * preempt, TASK_DEAD, any other state, a yield, else preempted), the numbers those of SwitchKind's order; B idle at
     * the end makes it to-idle unless A was idle; a switch whose note was not seen is unpaired, not a sample; the exact
     * figures keyed by CPU and kind and the histogram by bucket and kind (one set of maps: the kinds add up to the
     * totals by construction); the notes cleared at the end; nothing of it without --by=kind.
     */
    @Test
    void byKindNotesHowALeftAtSchedSwitchAndKeysTheFiguresByKind() {
        String s = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false, io.ctxswitch.core.spi.SwitchFilter.NONE, 0, true);
        assertThat(s).startsWith("BEGIN { printf(\"ctxswitch bpftrace script: probe sched-tp\\n\"); printf(\"ctxswitch: by kind\\n\"); }\n")
                .contains("""
                        tracepoint:syscalls:sys_enter_sched_yield { @ctxsw_yield[cpu] = tid + 1; }
                        tracepoint:syscalls:sys_exit_sched_yield /@ctxsw_yield[cpu] == tid + 1/ { @ctxsw_yield[cpu] = 0; }
                        rawtracepoint:sched_switch {
                        	$k = 0;
                        	$y = @ctxsw_yield[cpu] == tid + 1;
                        	if (tid == 0) { $k = 4; }
                        	else if (arg0 & 0xff) { $k = 0; }
                        	else if (arg3 & 0x80) { $k = 3; }
                        	else if (arg3 & 0xffffffff) { $k = 1; }
                        	else if ($y) { $k = 2; }
                        	if ($y && (arg0 & 0xff) == 0) { @ctxsw_yield[cpu] = 0; }
                        	@ctxsw_kind[cpu] = $k + 1;
                        }
                        """)
                .contains("""
                        		$k = @ctxsw_kind[cpu];
                        		@ctxsw_kind[cpu] = 0;
                        		if ($k == 0) { @ctxsw_unpaired = count(); } else {
                        		$k = $k - 1;
                        		if (tid == 0 && $k != 4) { $k = 5; }
                        """)
                .contains("@ctxsw_n[cpu, $k] = count();").contains("@ctxsw_sum[cpu, $k] = sum($d);").contains("@ctxsw_min[cpu, $k] = min($d);")
                .contains("@ctxsw_max[cpu, $k] = max($d);").contains("@ctxsw_hist[$b, $k] = count();").doesNotContain("@ctxsw_n[cpu] ")
                .contains("\tclear(@ctxsw_kind);\n\tclear(@ctxsw_yield);\n");
        assertThat(java.util.List.of(io.ctxswitch.core.model.SwitchKind.values()).stream().map(Enum::ordinal).toList())
                .as("the numbers above are SwitchKind's").containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(io.ctxswitch.core.model.SwitchKind.FROM_IDLE.ordinal()).isEqualTo(4);
        assertThat(io.ctxswitch.core.model.SwitchKind.EXIT.ordinal()).isEqualTo(3);
        String plain = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false);
        assertThat(plain).doesNotContain("kind").doesNotContain("yield").doesNotContain("sched_switch").contains("@ctxsw_n[cpu] = count();");
        for (BpftraceProbe older : new BpftraceProbe[] {BpftraceProbe.KPROBE, BpftraceProbe.FENTRY}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> BpftraceScript.generate(older, V023, false,
                    io.ctxswitch.core.spi.SwitchFilter.NONE, 0, true)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void fentryIsSpelledKfuncBefore020() {
        assertThat(BpftraceScript.generate(BpftraceProbe.FENTRY, V017, false)).contains("kfunc:rcu_note_context_switch {")
                .contains("kretfunc:schedule, kretfunc:schedule_idle, kretfunc:preempt_schedule_irq, kfunc:schedule_tail {")
                .contains("tracepoint:sched:sched_switch");
        assertThat(BpftraceScript.generate(BpftraceProbe.FENTRY, V023, false)).contains("fentry:rcu_note_context_switch {")
                .contains("fexit:schedule, fexit:schedule_idle, fexit:preempt_schedule_irq, fentry:schedule_tail {")
                .doesNotContain("kfunc");
    }

    @Test
    void kprobeEndsInTheIncomingTaskWithoutAKretprobe() {
        String s = BpftraceScript.generate(BpftraceProbe.KPROBE, V017, true);
        assertThat(s).contains("kprobe:rcu_note_context_switch {").contains("kprobe:finish_task_switch* {").doesNotContain("kretprobe");
        assertThat(s).contains("@ctxsw_next[cpu] = args->next_pid + 1").contains("$n != tid + 1");
        assertThat(s).as("a switch without a start is counted, not given one").contains("@ctxsw_untimed_start = count();")
                .contains("@ctxsw_untimed_end = count();");
    }

    @Test
    void perTaskMapsOnlyWhenAsked() {
        assertThat(BpftraceScript.generate(BpftraceProbe.KPROBE, V017, true)).contains("@ctxsw_task_n[tid, pid, comm] = count();");
        assertThat(BpftraceScript.generate(BpftraceProbe.KPROBE, V017, false)).doesNotContain("@ctxsw_task");
    }

    @Test
    void theBucketIndexMatchesTheSharedLayout() {
        String s = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false);
        assertThat(s).contains("if ($e > 35) { $b = 3839; } else if ($e >= 7) { $b = (($e - 6) << 7) + (($d >> ($e - 7)) & 127); }");
    }

    /** bpftrace (0.23 at least) refuses a script that prints a map nothing writes: "ERROR: Undefined map". */
    @Test
    void everyMapPrintedIsWrittenSomewhereInEveryMode() {
        for (BpftraceProbe probe : BpftraceProbe.values()) {
            for (BpftraceVersion version : java.util.List.of(V017, V023)) {
                boolean byKind = probe == BpftraceProbe.SCHED_TP && version == V023;
                String s = BpftraceScript.generate(probe, version, true, io.ctxswitch.core.spi.SwitchFilter.NONE, 0, byKind);
                java.util.regex.Matcher printed = java.util.regex.Pattern.compile("print\\((@\\w+)\\)").matcher(s);
                while (printed.find()) {
                    String map = printed.group(1);
                    assertThat(s).as(probe + " on " + version + " prints " + map).containsPattern(
                            java.util.regex.Pattern.quote(map) + "(\\[[^\\]]*\\])? = ");
                }
            }
        }
    }

    @Test
    void everyPrintedStateMapIsClearedAtTheEnd() {
        String s = BpftraceScript.generate(BpftraceProbe.FENTRY, V023, false);
        assertThat(s).contains("clear(@ctxsw_start);").contains("clear(@ctxsw_prev);").contains("clear(@ctxsw_next);")
                .contains("clear(@ctxsw_ready);");
    }

    /** The body of the script's once-a-second snapshot. */
    private static String snapshot(String script) {
        int start = script.indexOf("interval:s:1 {");
        return script.substring(start, script.indexOf("}", start));
    }

    @Test
    void aSnapshotOfThePerCpuMapsOnceASecondButNotOfTheTaskMaps() {
        String snapshot = snapshot(BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, true));
        assertThat(snapshot).startsWith("interval:s:1 {\n\tprintf(\"ctxswitch: snapshot\\n\");")
                .contains("print(@ctxsw_n);").contains("print(@ctxsw_sum);").contains("print(@ctxsw_min);").contains("print(@ctxsw_max);")
                .contains("print(@ctxsw_hist);").contains("print(@ctxsw_unpaired);").contains("print(@ctxsw_no_switch);")
                .endsWith("printf(\"ctxswitch: snapshot end, elapsed ns %llu\\n\", elapsed);\n")
                .doesNotContain("@ctxsw_task");
    }

    /**
     * kprobe and perf-event tracepoint programs are skipped on a CPU while one of bpftrace's map reads
     * is in progress there (and preempted, switches and all): the modes that use them leave the
     * histogram's hundreds of keys out of the snapshot, and keep the few exact figures and counters.
     */
    @Test
    void theModesTheKernelSkipsDuringMapReadsSnapshotNoHistogram() {
        for (BpftraceProbe probe : new BpftraceProbe[] {BpftraceProbe.KPROBE, BpftraceProbe.FENTRY}) {
            for (BpftraceVersion version : java.util.List.of(V017, V023)) {
                String script = BpftraceScript.generate(probe, version, true);
                assertThat(snapshot(script)).as("%s on %s", probe, version).doesNotContain("@ctxsw_hist").doesNotContain("@ctxsw_task")
                        .contains("print(@ctxsw_n);").contains("print(@ctxsw_sum);").contains("print(@ctxsw_min);")
                        .contains("print(@ctxsw_max);").contains("print(@ctxsw_unpaired);").contains("print(@ctxsw_no_switch);")
                        .contains("print(@ctxsw_untimed_start);").contains("print(@ctxsw_untimed_end);");
                assertThat(script).as("the histogram is still kept, and printed at the end").contains("@ctxsw_hist[$b] = count();");
            }
        }
        assertThat(BpftraceProbe.SCHED_TP.skippedDuringMapReads()).as("raw tracepoints only").isFalse();
    }

    private static io.ctxswitch.core.spi.SwitchFilter filter(java.util.Set<Integer> pids, java.util.Set<Integer> tids, String comm,
                                                            java.util.Set<Integer> cpus, boolean idle) {
        return new io.ctxswitch.core.spi.SwitchFilter(new java.util.TreeSet<>(pids), new java.util.TreeSet<>(tids), comm, null,
                new java.util.TreeSet<>(cpus), idle);
    }

    /**
     * User text never becomes code: a name full of quotes, braces, semicolons, backslashes and a line break
     * gives the same script as a plain name once the string literal is taken out, in every mode and version.
     */
    @Test
    void aHostileCommIsDataAndLeavesTheScriptsShapeUnchanged() {
        String hostile = "\"};{exit();\\\n/*";
        assertThat(hostile.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(15);
        for (BpftraceProbe probe : BpftraceProbe.values()) {
            for (BpftraceVersion version : java.util.List.of(V017, V023)) {
                String plain = BpftraceScript.generate(probe, version, true, filter(java.util.Set.of(), java.util.Set.of(), "x", java.util.Set.of(), false));
                String nasty = BpftraceScript.generate(probe, version, true, filter(java.util.Set.of(), java.util.Set.of(), hostile, java.util.Set.of(), false));
                String literal = BpftraceScript.stringLiteral(hostile);
                assertThat(literal).isEqualTo("\"\\\"};{exit();\\\\\\n/*\"");
                assertThat(nasty).contains("comm == " + literal);
                assertThat(nasty.replace(literal, "\"x\"")).isEqualTo(plain);
                assertThat(nasty.lines().count()).isEqualTo(plain.lines().count());
            }
        }
    }

    @Test
    void filtersAreOneConditionOnTheIncomingTaskWithNumbersAsNumbers() {
        String s = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false,
                filter(java.util.Set.of(40, 12), java.util.Set.of(7), "app", java.util.Set.of(0, 1, 2, 3, 8), true));
        assertThat(s).contains("if (!(((cpu >= 0 && cpu <= 3) || cpu == 8) && (tid != 0 && @ctxsw_prev[cpu] != 0)"
                + " && (pid == 12 || pid == 40) && (tid == 7) && (comm == \"app\"))) {\n\t\t\t@ctxsw_filtered = count();\n\t\t} else {");
        assertThat(s).as("A's tid, kept at the entry for --exclude-idle").contains("@ctxsw_prev[cpu] = tid;").contains("clear(@ctxsw_prev);");
        assertThat(s).contains("print(@ctxsw_filtered);");
        String plain = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false);
        assertThat(plain).doesNotContain("@ctxsw_filtered").doesNotContain("@ctxsw_prev");
        assertThat(BpftraceScript.generate(BpftraceProbe.KPROBE, V017, false, filter(java.util.Set.of(), java.util.Set.of(), null, java.util.Set.of(), true)))
                .as("kprobe and fentry keep A's tid anyway").contains("if (!((tid != 0 && @ctxsw_prev[cpu] != 0))) {");
    }

    private static io.ctxswitch.core.spi.SwitchFilter inCgroup(java.util.Set<Integer> cpus) {
        return new io.ctxswitch.core.spi.SwitchFilter(new java.util.TreeSet<>(), new java.util.TreeSet<>(), null,
                java.nio.file.Path.of("/sys/fs/cgroup/app"), new java.util.TreeSet<>(cpus), false);
    }

    /**
     * --cgroup (sched-tp): B, current at the end, kept when its default-hierarchy cgroup is at the directory's level or
     * below and its ancestor at that level has the directory's id (both numbers), tested after the other filters; the
     * kprobe and fentry scripts refuse it, as does a directory without its id and level or the reverse.
     */
    @Test
    void cgroupIsBsAncestorAtTheDirectorysLevel() {
        io.ctxswitch.core.host.CgroupV2.Location app = new io.ctxswitch.core.host.CgroupV2.Location(6181, 2);
        String s = BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false, inCgroup(java.util.Set.of(1)), 0, false, app);
        assertThat(s).contains("if (!((cpu == 1) && (curtask->cgroups->dfl_cgrp->level >= 2"
                + " && curtask->cgroups->dfl_cgrp->ancestors[2]->kn->id == 6181))) {\n\t\t\t@ctxsw_filtered = count();\n\t\t} else {");
        assertThat(s).contains("print(@ctxsw_filtered);");
        assertThat(BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false, inCgroup(java.util.Set.of()), 0, false,
                new io.ctxswitch.core.host.CgroupV2.Location(-2, 0)))
                .as("an id as the kernel's u64").contains("(curtask->cgroups->dfl_cgrp->level >= 0 && curtask->cgroups->dfl_cgrp->ancestors[0]"
                        + "->kn->id == 18446744073709551614)");
        for (BpftraceProbe older : new BpftraceProbe[] {BpftraceProbe.KPROBE, BpftraceProbe.FENTRY}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> BpftraceScript.generate(older, V017, false, inCgroup(java.util.Set.of()),
                    0, false, app)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sched-tp mode only");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false,
                inCgroup(java.util.Set.of()))).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false,
                io.ctxswitch.core.spi.SwitchFilter.NONE, 0, false, app)).isInstanceOf(IllegalArgumentException.class);
        assertThat(BpftraceScript.generate(BpftraceProbe.SCHED_TP, V023, false)).doesNotContain("curtask");
    }
}
