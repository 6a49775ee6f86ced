package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.bpftrace.BpftraceSettings;
import io.ctxswitch.core.spi.Feature;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.perf.PerfSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's answers that need no tracing: usage errors, help, version. */
@org.junit.jupiter.api.Timeout(60)
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badInputIsAUsageErrorWithOneClearLine() {
        String[][] cases = {
            {"--duration=abc"}, {"--duration=0"}, {"--interval=-1s"}, {"--format=xml"}, {"--probe=uprobe"},
            {"--top=-2"}, {"--backend=dtrace"}, {"--no-such-flag"}, {"stray-argument"}, {"--top=many"},
        };
        for (String[] args : cases) {
            err.reset();
            assertThat(run(args)).as(String.join(" ", args)).isEqualTo(2);
            String[] lines = err().strip().split("\n");
            assertThat(lines).as(err()).hasSize(2);
            assertThat(lines[0]).startsWith("ctxswitch: ");
            assertThat(lines[1]).isEqualTo("Try 'ctxswitch --help' for more information.");
            assertThat(err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    /** --percentiles: what is wrong with the list, in the line that picocli gives every bad value; exit 2. */
    @Test
    void aBadPercentileListIsAUsageErrorSayingWhatIsWrong() {
        String[][] cases = {
            {"--percentiles=", "no percentile given: expected a list such as 50,90,99,99.9"},
            {"--percentiles=50,,99", "'50,,99' has an empty item: expected a list such as 50,90,99,99.9"},
            {"--percentiles=fifty", "'fifty' is not a percentile: expected a number above 0 and below 100, such as 99.9"},
            {"--percentiles=0", "'0' is not above 0 and below 100 (p0 and p100 are min and max, which are always shown, exact)"},
            {"--percentiles=100", "'100' is not above 0 and below 100 (p0 and p100 are min and max, which are always shown, exact)"},
            {"--percentiles=99.12345678", "'99.12345678' has more than 6 decimals"},
            {"--percentiles=99,50,99.0", "'99,50,99.0' names p99 twice"},
        };
        for (String[] c : cases) {
            err.reset();
            assertThat(run(c[0])).as(c[0] + ": " + err()).isEqualTo(2);
            String[] lines = err().strip().split("\n");
            assertThat(lines).as(err()).hasSize(2);
            assertThat(lines[0]).isEqualTo("ctxswitch: Invalid value for option '--percentiles': " + c[1]);
            assertThat(lines[1]).isEqualTo("Try 'ctxswitch --help' for more information.");
        }
    }

    @Test
    void helpSaysWhatPercentilesMayBeAndTheirJsonKeys() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        assertThat(help).contains("--percentiles=LIST").contains("each above 0 and below 100 with at most 6 decimals")
                .contains("p999_ns for 99.9, p0999_ns for 9.99").contains("Default: 50,90,99,99.9 (rows: 50,99)")
                .contains("With --serve, it chooses those of the summary at exit");
    }

    @Test
    void helpExplainsEveryOptionAndTheExitCodes() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] {"--backend", "--probe", "--duration", "--interval", "--format", "--per-cpu",
                "--top", "--percentiles", "--list-backends", "--help", "--version", "--pid", "--tid", "--comm", "--cgroup",
                "--cpus", "--exclude-idle"}) {
            assertThat(help).contains(option);
        }
        assertThat(help).contains("Exit codes").containsPattern("3\\s+environment").containsPattern("2\\s+usage");
    }

    @Test
    void helpSaysHowOutputFilesAreCheckedAndWhatAFailedWriteExitsWith() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        assertThat(help).contains("--record=FILE").contains("--force").contains("FILE must not exist (unless --force)")
                .contains("a half-written file never has its name").contains("a symbolic link is replaced, never written through")
                .containsPattern("2 usage error; also an output file \\(--record\\) that cannot be written")
                .contains("an output file could not be written at the end");
    }

    /** Said in one line, with nothing to add from --help: the line says what to fix. */
    @Test
    void anUnusableOutputPathIsAUsageErrorInOneLine() {
        assertThat(run("--backend=perf", "--record=/nonexistent/dir/x")).isEqualTo(2);
        assertThat(err()).isEqualTo("ctxswitch: --record=/nonexistent/dir/x: directory /nonexistent/dir does not exist\n");
    }

    @Test
    void versionIsPrinted() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("ctxswitch ");
    }

    /** The backends of this build as the command line wires them, with no settings of their own. */
    private static LatencySource backend(String name) {
        return Backends.wire(new PerfSettings(null), new BpftraceSettings(null)).sources().get(name).get();
    }

    @Test
    void theBackendsAreWiredBestFirst() {
        assertThat(Backends.wire(new PerfSettings(null), new BpftraceSettings(null)).sources().keySet())
                .containsExactly("libbpf", "bpftrace", "perf");
    }

    /** The check: a usage error if the SPI says perf cannot do intervals, else the missing perf. */
    @Test
    void intervalsWithPerfAreWhatPerfDeclares() {
        int exit = run("--backend=perf", "--interval=1s", "--perf=/nonexistent/perf");
        if (backend("perf").features().contains(Feature.INTERVAL)) {
            assertThat(exit).as(err()).isEqualTo(3);
            assertThat(err()).contains("/nonexistent/perf");
        } else {
            assertThat(exit).as(err()).isEqualTo(2);
            assertThat(err()).startsWith("ctxswitch: --interval is not supported by the perf backend; the backend that can: libbpf\n");
        }
    }

    /**
     * Refused from what the backend declares, before anything on the host is probed: the perf and
     * bpftrace given are never run (they would leave a file behind), not even for their version.
     */
    @Test
    void anOptionTheBackendCannotHonourIsAUsageErrorBeforeAnyProbing(@TempDir Path dir) throws Exception {
        Path ran = dir.resolve("ran");
        Path tool = toolThatNotesItRan(dir, ran);
        String[][] cases = {
            {"--backend=bpftrace", "--interval=1s", "--bpftrace=" + tool},
            {"--backend=libbpf", "--record=" + dir.resolve("kept"), "--perf=" + tool, "--bpftrace=" + tool},
            {"--cgroup=" + dir, "--record=" + dir.resolve("kept"), "--interval=1s", "--perf=" + tool, "--bpftrace=" + tool},
        };
        for (String[] args : cases) {
            err.reset();
            assertThat(run(args)).as(String.join(" ", args) + ": " + err()).isEqualTo(2);
            String[] lines = err().strip().split("\n");
            assertThat(lines).as(err()).hasSize(2);
            assertThat(lines[0]).matches("ctxswitch: (--\\w+ is not supported by the \\w+ backend; (the backend that can|backends that can): .+"
                    + "|no backend supports --\\w+ with --\\w+ with --\\w+ \\(.+\\))");
            assertThat(lines[1]).isEqualTo("Try 'ctxswitch --help' for more information.");
        }
        assertThat(ran).as("a tool was run before the usage error").doesNotExist();
        assertThat(dir.resolve("kept")).doesNotExist();
    }

    /**
     * --serve: a bad address, a backend that cannot serve (bpftrace in kprobe or fentry mode, or per CPU), and options
     * that do not go with it; exit 2, nothing probed.
     */
    @Test
    void serveIsRefusedInOneLineWhereItCannotWork(@TempDir Path dir) throws Exception {
        Path ran = dir.resolve("ran");
        Path tool = toolThatNotesItRan(dir, ran);
        String[][] cases = {
            {"--serve=http", "ctxswitch: --serve=http: the port must be a number from 1 to 65535, not 'http'"},
            {"--serve=:9100", "ctxswitch: --serve=:9100: the host before ':' is empty (leave out the colon for 127.0.0.1)"},
            {"--serve=70000", "ctxswitch: --serve=70000: the port must be a number from 1 to 65535, not '70000'"},
            {"--serve=9100 --backend=bpftrace --probe=kprobe --bpftrace=" + tool, "ctxswitch: --serve is not supported by the bpftrace backend"
                + " with --probe=kprobe: its kprobe and fentry scripts print their histogram only once stopped, since reading a map while"
                + " tracing makes the kernel skip kprobe and tracepoint programs on that CPU (bpf_prog_active) and lose switches;"
                + " it serves with --probe=sched-tp (Linux 6.15+); backends that can: libbpf, perf"},
            {"--serve=9100 --backend=bpftrace --probe=fentry --bpftrace=" + tool, "ctxswitch: --serve is not supported by the bpftrace backend"
                + " with --probe=fentry: its kprobe and fentry scripts print their histogram only once stopped, since reading a map while"
                + " tracing makes the kernel skip kprobe and tracepoint programs on that CPU (bpf_prog_active) and lose switches;"
                + " it serves with --probe=sched-tp (Linux 6.15+); backends that can: libbpf, perf"},
            {"--serve=9100 --per-cpu --backend=bpftrace --bpftrace=" + tool,
                "ctxswitch: --serve with --per-cpu is not supported by the bpftrace backend; backends that can: libbpf, perf"},
            {"--serve=9100 --per-cpu --backend=bpftrace --probe=sched-tp --bpftrace=" + tool,
                "ctxswitch: --serve with --per-cpu is not supported by the bpftrace backend; backends that can: libbpf, perf"},
            {"--serve=9100 --interval=1s", "ctxswitch: --interval does not apply to --serve: Prometheus chooses its own intervals when it scrapes"},
            {"--serve=9100 --top=5", "ctxswitch: --top does not apply to --serve: the exporter has no per-task metrics"},
            {"--serve=9100 --replay=x", "ctxswitch: --replay does not apply to --serve: it serves what it traces now"},
        };
        for (String[] c : cases) {
            err.reset();
            assertThat(run(c[0].split(" "))).as(c[0] + ": " + err()).isEqualTo(2);
            String[] lines = err().strip().split("\n");
            assertThat(lines).as(err()).hasSize(2);
            assertThat(lines[0]).isEqualTo(c[1]);
        }
        assertThat(ran).as("a tool was run before the usage error").doesNotExist();
    }

    /** --native-buckets: only with --serve, at least 4, a number; each a usage error (exit 2) before anything is loaded. */
    @Test
    void aBadNativeBucketLimitIsAUsageError() {
        String[][] cases = {
            {"--native-buckets=100", "ctxswitch: --native-buckets goes with --serve=[HOST:]PORT: it limits the served native histograms"},
            {"--serve=9100 --native-buckets=3",
                "ctxswitch: --native-buckets must be at least 4 (at schema -4, the coarsest, any latencies fit in 3 buckets), not 3"},
            {"--serve=9100 --native-buckets=-1",
                "ctxswitch: --native-buckets must be at least 4 (at schema -4, the coarsest, any latencies fit in 3 buckets), not -1"},
            {"--serve=9100 --native-buckets=many", "ctxswitch: Invalid value for option '--native-buckets': 'many' is not an int"},
        };
        for (String[] c : cases) {
            err.reset();
            assertThat(run(c[0].split(" "))).as(c[0] + ": " + err()).isEqualTo(2);
            assertThat(err().strip().split("\n")[0]).as(c[0]).isEqualTo(c[1]);
        }
    }

    /** --serve-config: checked before anything is bound or loaded; a bad file is one line, exit 2. */
    @Test
    void aBadServeConfigIsOneLineBeforeAnythingIsLoaded(@TempDir Path dir) throws Exception {
        assertThat(run("--serve-config=" + dir.resolve("web.yml"))).as(err()).isEqualTo(2);
        assertThat(err()).startsWith("ctxswitch: --serve-config goes with --serve=[HOST:]PORT, which it configures\n");

        Path open = dir.resolve("open.yml");
        java.nio.file.Files.writeString(open, "basic_auth_users:\n  prometheus: $2y$10$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW\n");
        java.nio.file.Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path bad = dir.resolve("bad.yml");
        java.nio.file.Files.writeString(bad, "basic_auth_users:\n  prometheus: hunter2\n");
        String[][] cases = {
            {"--serve=9100 --serve-config=" + dir.resolve("none.yml"), "ctxswitch: --serve-config=" + dir.resolve("none.yml") + ": no such file"},
            {"--serve=9100 --serve-config=" + open, "ctxswitch: --serve-config=" + open + ": " + open
                + " is readable by every user (rw-r--r--) and it holds password hashes: chmod o-rwx " + open},
            {"--serve=9100 --serve-config=" + bad, "ctxswitch: --serve-config=" + bad + ": basic_auth_users.prometheus is not a bcrypt hash"},
        };
        for (String[] c : cases) {
            err.reset();
            assertThat(run(c[0].split(" "))).as(c[0] + ": " + err()).isEqualTo(2);
            assertThat(err().strip().split("\n")).as(err()).hasSize(1);
            assertThat(err()).startsWith(c[1]);
        }
    }

    /** Filters: each bad value is one line, exit 2, before any tool is run or any host probing. */
    @Test
    void badFiltersAreOneLineUsageErrors(@TempDir Path dir) throws Exception {
        Path ran = dir.resolve("ran");
        Path tool = toolThatNotesItRan(dir, ran);
        String[][] cases = {
            {"--pid=", "ctxswitch: --pid needs at least one id, e.g. --pid=1234 or --pid=1234,5678"},
            {"--pid=12,x", "ctxswitch: --pid=12,x: 'x' is not a process or thread id (positive numbers, separated by commas)"},
            {"--tid=0", "ctxswitch: --tid=0: '0' is not a process or thread id (positive numbers, separated by commas)"},
            {"--cpus=3-1", "ctxswitch: --cpus=3-1: the range '3-1' runs backwards"},
            {"--cpus=0,,1", "ctxswitch: --cpus=0,,1: '' is neither a CPU nor a range (e.g. 0-3,8)"},
            {"--comm=sixteen_bytes___", "ctxswitch: --comm='sixteen_bytes___' is 16 bytes: the kernel keeps task names to 15 bytes,"
                    + " so no task has it (use the first 15)"},
        };
        for (String[] c : cases) {
            err.reset();
            assertThat(run(c[0], "--perf=" + tool, "--bpftrace=" + tool)).as(c[0] + ": " + err()).isEqualTo(2);
            assertThat(err().strip()).isEqualTo(c[1]);
        }
        assertThat(ran).as("a tool was run before the usage error").doesNotExist();
    }

    /** A filter the backend (or the replay) cannot apply is refused naming those that can, before probing. */
    @Test
    void aFilterTheBackendCannotApplyNamesTheBackendsThatCan(@TempDir Path dir) throws Exception {
        Path ran = dir.resolve("ran");
        Path tool = toolThatNotesItRan(dir, ran);
        String[][] cases = {
            {"--cgroup=" + dir + " --backend=bpftrace --probe=kprobe --bpftrace=" + tool,
                "ctxswitch: --cgroup is not supported by the bpftrace backend with --probe=kprobe: --cgroup compares B's cgroup's"
                        + " ancestor at the directory's depth (struct cgroup's ancestors[], Linux 6.0+; ancestor_ids[] before), which only"
                        + " the sched-tp script reads (bpftrace's cgroup builtin is B's own cgroup, without its descendants); it filters by"
                        + " cgroup with --probe=sched-tp (Linux 6.15+); the backend that can: libbpf"},
            {"--cgroup=" + dir + " --backend=perf --perf=" + tool,
                "ctxswitch: --cgroup is not supported by the perf backend; backends that can: libbpf, bpftrace"},
            {"--cgroup=" + dir + " --replay=" + dir.resolve("trace"),
                "ctxswitch: --cgroup does not apply to --replay: no trace format ctxswitch reads records cgroups"},
        };
        assertUsageErrorsBeforeAnyTool(cases, ran);
    }

    /**
     * --cgroup must name a cgroup v2 directory: a plain directory is a usage error, or, where no cgroup v2
     * is mounted at all (this machine's usual state), an environment error saying how to mount one.
     */
    @Test
    void aCgroupThatIsNotCgroupV2IsRefusedInOneLine(@TempDir Path dir) {
        int exit = run("--cgroup=" + dir, "--backend=libbpf", "--duration=1s");
        String line = err().strip();
        assertThat(line).doesNotContain("\n");
        if (exit == 3) {
            assertThat(line).startsWith("ctxswitch: --cgroup needs cgroup v2, and none is mounted here: mount one with 'mkdir -p");
        } else {
            assertThat(exit).as(line).isEqualTo(2);
            assertThat(line).isEqualTo("ctxswitch: --cgroup=" + dir + " is not in a cgroup v2 hierarchy (cgroup v2 is mounted at "
                    + line.substring(line.indexOf("mounted at ") + "mounted at ".length()));
        }
    }

    /** On --replay, the filters apply where the trace has each switch's tasks and CPU (perf), and are refused elsewhere. */
    @Test
    void filtersApplyToPerfTracesAndAreRefusedForBpftraceOutput(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("trace.txt");
        Files.writeString(trace, String.join("\n",
                "  app   101 [000]  1.000000000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   200/200",
                " tool   200 [000]  1.000001000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   100/101",
                " tool   200 [000]  1.000002000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   100/101",
                "  app   101 [000]  1.000005000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   200/200", ""));
        assertThat(run("--replay=" + trace, "--format=json", "--pid=100")).as(err()).isZero();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.get("count").asLong()).isEqualTo(1);
        assertThat(json.get("max_ns").asLong()).isEqualTo(3_000);
        assertThat(json.get("filtered").asLong()).isEqualTo(1);
        assertThat(json.get("filters").toString()).isEqualTo("{\"pid\":[100]}");

        err.reset();
        Path bpftrace = Path.of("../backend-bpftrace/src/test/resources/bpftrace/kprobe-0.17-linux6.1.text.txt");
        assertThat(run("--replay=" + bpftrace, "--comm=x")).as(err()).isEqualTo(2);
        assertThat(err().strip()).isEqualTo("ctxswitch: --comm cannot be applied to bpftrace output of ctxswitch's script: it does not record each"
                + " switch's tasks and CPU; perf traces do (perf script text or perf.data)");
    }

    /**
     * --by=kind: refused (exit 2, one line, nothing run) where it cannot be honoured, naming those that can; served, by
     * the backends whose running figures have no kinds (perf, bpftrace), and with --by=cgroup as well.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void byKindIsRefusedWhereItCannotBeHonoured(@TempDir Path dir) throws Exception {
        Path ran = dir.resolve("ran");
        Path tool = toolThatNotesItRan(dir, ran);
        String[][] cases = {
            {"--by=kind --backend=bpftrace --probe=kprobe --bpftrace=" + tool,
                "ctxswitch: --by=kind is not supported by the bpftrace backend with --probe=kprobe: its kprobe and fentry scripts see"
                    + " sched_switch's reported prev_state (R+, Z, X), not the preempt flag and raw state --by=kind classifies by (a raw"
                    + " tracepoint, which bpftrace 0.17 lacks); it classifies with --probe=sched-tp (Linux 6.15+); backends that can: libbpf, perf"},
            {"--by=kind --backend=bpftrace --probe=fentry --bpftrace=" + tool,
                "ctxswitch: --by=kind is not supported by the bpftrace backend with --probe=fentry: its kprobe and fentry scripts see"
                    + " sched_switch's reported prev_state (R+, Z, X), not the preempt flag and raw state --by=kind classifies by (a raw"
                    + " tracepoint, which bpftrace 0.17 lacks); it classifies with --probe=sched-tp (Linux 6.15+); backends that can: libbpf, perf"},
            {"--by=kind --serve=9100 --backend=perf --perf=" + tool,
                "ctxswitch: --serve with --by=kind is not supported by the perf backend; backends that can: libbpf, bpftrace"},
            {"--by=kind,cgroup --serve=9100", "ctxswitch: --by=kind,cgroup does not apply to --serve: the histogram is served with one"
                + " breakdown's labels (the kernel does not cross them); choose kind or cgroup"},
            {"--by=job --perf=" + tool, "ctxswitch: Invalid value for option '--by' (kind|cgroup): expected one of [kind, cgroup] (case-insensitive) but was 'job'"},
        };
        assertUsageErrorsBeforeAnyTool(cases, ran);
    }

    /**
     * --by=cgroup: refused (exit 2, one line, nothing run) by the backends that cannot break switches down by cgroup
     * (perf: its perf script has no cgroup field before 6.x; bpftrace: not yet), naming the one that can; also with
     * --by=kind, which perf can, served by them, served per CPU (CPUs times cgroups series), and with --replay.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void byCgroupIsRefusedWhereItCannotBeHonoured(@TempDir Path dir) throws Exception {
        Path ran = dir.resolve("ran");
        Path tool = toolThatNotesItRan(dir, ran);
        String[][] cases = {
            {"--by=cgroup --backend=perf --perf=" + tool,
                "ctxswitch: --by=cgroup is not supported by the perf backend; the backend that can: libbpf"},
            {"--by=kind,cgroup --backend=perf --perf=" + tool,
                "ctxswitch: --by=cgroup is not supported by the perf backend; the backend that can: libbpf"},
            {"--by=cgroup --backend=bpftrace --bpftrace=" + tool,
                "ctxswitch: --by=cgroup is not supported by the bpftrace backend; the backend that can: libbpf"},
            {"--by=cgroup --serve=9100 --backend=perf --perf=" + tool,
                "ctxswitch: --serve with --by=cgroup is not supported by the perf backend; the backend that can: libbpf"},
            {"--by=cgroup --serve=9100 --backend=bpftrace --bpftrace=" + tool,
                "ctxswitch: --serve with --by=cgroup is not supported by the bpftrace backend; the backend that can: libbpf"},
            {"--by=cgroup --serve=9100 --per-cpu", "ctxswitch: --by=cgroup with --per-cpu does not apply to --serve: it would serve a"
                + " series per CPU and cgroup; choose one"},
            {"--by=cgroup --replay=" + tool,
                "ctxswitch: --by=cgroup does not apply to --replay: no trace format ctxswitch reads records cgroups"},
        };
        assertUsageErrorsBeforeAnyTool(cases, ran);
    }

    /**
     * --by=kind on --replay: a perf trace gives each switch's kind; bpftrace output recorded without --by=kind, which
     * holds totals only, is refused.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void byKindAppliesToPerfTracesAndIsRefusedForBpftraceOutput(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("trace.txt");
        Files.writeString(trace, String.join("\n",
                "  app   101 [000]  1.000000000: sched:sched_switch: prev_comm=app prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=tool next_pid=200 next_prio=120",
                "  app   101 [000]  1.000000100: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   200/200",
                " tool   200 [000]  1.000001000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   100/101",
                " tool   200 [000]  1.000002000: sched:sched_switch: prev_comm=tool prev_pid=200 prev_prio=120 prev_state=R+ ==> next_comm=app next_pid=101 next_prio=120",
                " tool   200 [000]  1.000002000: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:   100/101",
                "  app   101 [000]  1.000005000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   200/200", ""));
        assertThat(run("--replay=" + trace, "--format=json", "--by=kind")).as(err()).isZero();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.get("by_kind").toString()).isEqualTo("[{\"kind\":\"preempted\",\"count\":1,\"min_ns\":3000,\"mean_ns\":3000.0,"
                + "\"max_ns\":3000,\"p99_ns\":3000},{\"kind\":\"blocked\",\"count\":1,\"min_ns\":900,\"mean_ns\":900.0,\"max_ns\":900,"
                + "\"p99_ns\":900},{\"kind\":\"yield\",\"count\":0,\"min_ns\":null,\"mean_ns\":null,\"max_ns\":null,\"p99_ns\":null},"
                + "{\"kind\":\"exit\",\"count\":0,\"min_ns\":null,\"mean_ns\":null,\"max_ns\":null,\"p99_ns\":null},"
                + "{\"kind\":\"from-idle\",\"count\":0,\"min_ns\":null,\"mean_ns\":null,\"max_ns\":null,\"p99_ns\":null},"
                + "{\"kind\":\"to-idle\",\"count\":0,\"min_ns\":null,\"mean_ns\":null,\"max_ns\":null,\"p99_ns\":null}]");

        err.reset();
        Path bpftrace = Path.of("../backend-bpftrace/src/test/resources/bpftrace/kprobe-0.17-linux6.1.text.txt");
        assertThat(run("--replay=" + bpftrace, "--by=kind")).as(err()).isEqualTo(2);
        assertThat(err().strip()).isEqualTo("ctxswitch: --by=kind cannot be applied to bpftrace output of ctxswitch's script: it does not record"
                + " how each switch's outgoing task left; perf traces do (perf script text or perf.data), and bpftrace output recorded"
                + " with --by=kind");
    }

    /**
     * --by=kind on --replay of bpftrace output recorded with --by=kind (real bpftrace 0.23): every kind, in order, adding
     * up to the count, in JSON and in the text report's table; without --by=kind, no breakdown.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void byKindAppliesToABpftraceRecordingMadeWithIt() throws Exception {
        Path recorded = Path.of("../backend-bpftrace/src/test/resources/bpftrace/schedtp-0.23-linux6.18-kind.json.txt");
        assertThat(run("--replay=" + recorded, "--format=json", "--by=kind")).as(err()).isZero();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        java.util.List<String> names = new java.util.ArrayList<>();
        long sum = 0;
        for (com.fasterxml.jackson.databind.JsonNode k : json.get("by_kind")) {
            names.add(k.get("kind").asText());
            sum += k.get("count").asLong();
        }
        assertThat(names).containsExactly("preempted", "blocked", "yield", "exit", "from-idle", "to-idle");
        assertThat(sum).isEqualTo(json.get("count").asLong()).isPositive();

        out.reset();
        assertThat(run("--replay=" + recorded, "--by=kind")).as(err()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("(?m)^  kind +count +min +mean +p99 +max$")
                .containsPattern("(?m)^  preempted +[\\d,]+ ").containsPattern("(?m)^  to-idle +[\\d,]+ ");

        out.reset();
        assertThat(run("--replay=" + recorded, "--format=json")).as(err()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("by_kind").isNull())
                .as("without --by=kind").isTrue();
    }

    /**
     * --slower on a replay: a perf trace's pairs at or above it are printed before the summary (JSON: one object a line,
     * with the trace's own time), counted in the summary; bpftrace's output holds no switches: a usage error, exit 2.
     */
    @Test
    void slowerPrintsAPerfTracesOutliersAndIsRefusedForBpftraceOutput(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("trace.txt");
        Files.writeString(trace, String.join("\n",
                "  app   101 [000]  1.000000000: sched:sched_switch: app:101 [120] S ==> tool:200 [120]",
                "  app   101 [000]  1.000000000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   200/200",
                " tool   200 [000]  1.000001000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   100/101",
                " tool   200 [000]  1.000002000: PERF_RECORD_SWITCH_CPU_WIDE OUT          next pid/tid:   100/101",
                "  app   101 [000]  1.000005000: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:   200/200", ""));
        assertThat(run("--replay=" + trace, "--format=json", "--slower=3us")).as(err()).isZero();
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertThat(lines).hasSize(2);
        // the switch's kind as --by=kind classifies it: no sched_switch line before that OUT and no preempt mark: blocked
        assertThat(lines[0]).isEqualTo("{\"kind\":\"outlier\",\"time\":null,\"trace_time_ns\":1000005000,\"cpu\":0,\"latency_ns\":3000,"
                + "\"prev_pid\":200,\"prev_comm\":\"tool\",\"prev_state\":null,\"next_pid\":101,\"next_comm\":\"app\",\"cgroup_id\":null,"
                + "\"cgroup\":null,\"switch_kind\":\"blocked\"}");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[1]);
        assertThat(json.get("slower_ns").asLong()).isEqualTo(3_000);
        assertThat(json.get("outliers").asLong()).isEqualTo(1);
        assertThat(json.get("outliers_lost").asLong()).isZero();

        out.reset();
        assertThat(run("--replay=" + trace, "--slower=1us")).as(err()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("switches at or above 1.00 us (")
                .contains("1.000001000  cpu 0   1.00 us  101 app S -> 200 tool -  blocked\n")
                .contains("slower: 2 switches at or above 1.00 us printed, 0 lost");

        err.reset();
        Path bpftrace = Path.of("../backend-bpftrace/src/test/resources/bpftrace/kprobe-0.17-linux6.1.text.txt");
        assertThat(run("--replay=" + bpftrace, "--slower=1ms")).as(err()).isEqualTo(2);
        assertThat(err().strip()).isEqualTo("ctxswitch: --slower cannot be applied to bpftrace output of ctxswitch's script: it does not"
                + " record each switch; perf traces do (perf script text or perf.data)");
    }

    /** A stand-in perf or bpftrace that only writes down that it was run, into {@code ran}. */
    private static Path toolThatNotesItRan(Path dir, Path ran) throws java.io.IOException {
        return io.ctxswitch.core.testing.StandIn.write(dir.resolve("tool"), "#!/bin/sh\necho \"$@\" >> " + ran + "\necho 'perf version 6.1'\n");
    }

    /** Each case ({arguments split at spaces, first line of stderr}) is exit 2 with that line, and no tool ran ({@code ran} absent). */
    private void assertUsageErrorsBeforeAnyTool(String[][] cases, Path ran) throws Exception {
        for (String[] c : cases) {
            err.reset();
            assertThat(run(c[0].split(" "))).as(c[0] + ": " + err()).isEqualTo(2);
            assertThat(err().strip().split("\n")[0]).isEqualTo(c[1]);
        }
        assertThat(ran).as("a tool was run before the usage error").doesNotExist();
    }
}
