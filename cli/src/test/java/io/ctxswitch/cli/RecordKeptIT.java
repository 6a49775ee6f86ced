package io.ctxswitch.cli;

import static io.ctxswitch.core.testing.UsersFiles.USERS;
import static io.ctxswitch.core.testing.UsersFiles.names;
import static io.ctxswitch.core.testing.UsersFiles.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.testing.StandIn;
import io.ctxswitch.core.testing.UsersFiles.PlantedLink;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What --record asked to keep is kept, or the run says it was not: a write that fails when tracing
 * stops (a full file system, a directory removed meanwhile) is exit 3 after the summary, with one
 * line naming the file, the reason, and where the recording still is (it replays to the same
 * figures); --force replaces a file or a planted link in one step, never writing through it.
 * perf traces for real here (live: run under flock /tmp/ctxswitch-live.lock); bpftrace is a
 * stand-in (see BpftraceChildIT), as this machine's bpftrace cannot attach.
 */
@Timeout(300)
class RecordKeptIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NOT_KEPT = Pattern.compile(
            "ctxswitch: the recording could not be kept as (\\S+): (.*); it is still at (\\S+), to move by hand");

    @TempDir
    Path dir;
    private Path retained; // a private directory ctxswitch kept, removed after the test

    @BeforeEach
    void needsRoot() throws Exception {
        if (!LiveHost.root() || !Jar.onPath("unshare")) {
            Jar.skip("the perf and bpftrace backends need root; the small file systems, unshare (util-linux)");
        }
    }

    @AfterEach
    void removeWhatWasKept() throws Exception {
        if (retained != null && Files.isDirectory(retained)) {
            try (Stream<Path> walk = Files.walk(retained)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void needsPerf() {
        if (!Jar.onPath("perf") || !Jar.onPath("taskset")) {
            Jar.skip("perf or taskset is missing (apt-get install linux-perf util-linux)");
        }
        if (!Files.isDirectory(Path.of("/sys/kernel/tracing/events/sched/sched_switch"))) {
            Jar.skip("tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
        }
    }

    private static void pingPong(int loops) throws Exception {
        Process bench = new ProcessBuilder("taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l", Integer.toString(loops))
                .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
        assertThat(bench.waitFor()).isZero();
    }

    /**
     * The run failed to keep {@code record}, for {@code reason}, said in exactly one line after the
     * summary; the recording it names replays to the summary's count. Returns that line's reason.
     */
    private String assertNotKeptButStillThere(Jar.Run run, Path record) throws Exception {
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        JsonNode summary = JSON.readTree(run.out());
        List<String> lines = run.err().strip().lines().filter(l -> l.contains("could not be kept")).toList();
        assertThat(lines).as(run.err()).hasSize(1);
        assertThat(run.err()).doesNotContain("Exception").doesNotContain("warning");
        Matcher m = NOT_KEPT.matcher(lines.get(0));
        assertThat(m.matches()).as(lines.get(0)).isTrue();
        assertThat(m.group(1)).isEqualTo(record.toString());
        Path still = Path.of(m.group(3));
        retained = still.getParent();
        assertThat(still).isRegularFile();
        Jar.Run replay = Jar.run("--replay=" + still, "--format=json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(JSON.readTree(replay.out()).get("count").asLong()).isEqualTo(summary.get("count").asLong());
        return m.group(2);
    }

    /**
     * Runs the jar in a private mount namespace where {@code full} is a 64 KiB tmpfs holding the
     * user's file {@code notes.txt}, filled up before the run: the check passes (a file can still be
     * created there), the recording cannot be written. The shell then saves notes.txt's hash where
     * the test can see it, since the tmpfs goes with the namespace.
     */
    private Jar.Run onAFullFileSystem(Path full, String... args) throws Exception {
        Files.createDirectory(full);
        Path hashes = dir.resolve("hashes");
        String setup = "mount -t tmpfs -o size=64k none " + full
                + " && printf %s \"the user's notes, not to be lost\n\" > " + full.resolve("notes.txt")
                + " && sha256sum " + full.resolve("notes.txt") + " > " + hashes + ".before"
                + " && { dd if=/dev/zero of=" + full.resolve("filler") + " bs=4k 2>/dev/null; true; }"
                + " && \"$0\" \"$@\"; status=$?; sha256sum " + full.resolve("notes.txt") + " > " + hashes + ".after"
                + "; ls -A " + full + " > " + dir.resolve("listing") + "; exit $status";
        Jar.Run run = Jar.start(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", setup), Map.of(), args)
                .finish(240);
        assertThat(Files.readString(Path.of(hashes + ".after"))).as("notes.txt, byte for byte")
                .isEqualTo(Files.readString(Path.of(hashes + ".before")));
        assertThat(Files.readAllLines(dir.resolve("listing"))).as("no temporary file left").containsExactly("filler", "notes.txt");
        return run;
    }

    @Test
    void perfOnAFullFileSystemSaysSoAndKeepsTheRecording() throws Exception {
        needsPerf();
        Path full = dir.resolve("full");
        Path notes = full.resolve("notes.txt");
        Jar.Run run = onAFullFileSystem(full, "--backend=perf", "--duration=2s", "--format=json", "--force", "--record=" + notes);
        assertThat(assertNotKeptButStillThere(run, notes)).isEqualTo("No space left on device");
    }

    @Test
    void perfWithItsDirectoryRemovedMidRunSaysSoAndKeepsTheRecording() throws Exception {
        needsPerf();
        Path gone = Files.createDirectory(dir.resolve("gone"));
        Path record = gone.resolve("kept.data");
        Jar.Running running = Jar.start(List.of(), Map.of(), "--backend=perf", "--format=json", "--record=" + record);
        running.awaitErr("tracing with perf", 60);
        Files.delete(gone); // empty: the check left nothing behind
        pingPong(2_000);
        running.signal("INT");
        Jar.Run run = running.finish(120);
        assertThat(assertNotKeptButStillThere(run, record)).isEqualTo("its directory " + gone + " no longer exists");
    }

    /** --force: the recording replaces the file in one step; the old file's bytes are not rewritten (a hard link keeps them). */
    @Test
    void perfWithForceReplacesAnExistingFileByRename() throws Exception {
        needsPerf();
        Path notes = dir.resolve("notes.txt");
        Files.write(notes, USERS);
        Path oldInode = Files.createLink(dir.resolve("old-inode"), notes);
        Jar.Run run = Jar.run("--backend=perf", "--duration=2s", "--format=json", "--force", "--record=" + notes);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(Files.readAllBytes(oldInode)).isEqualTo(USERS);
        Jar.Run replay = Jar.run("--replay=" + notes, "--format=json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(JSON.readTree(replay.out()).get("count").asLong()).isEqualTo(JSON.readTree(run.out()).get("count").asLong());
        assertThat(names(dir)).containsExactly("notes.txt", "old-inode");
    }

    /** A link planted in a world-writable directory at the name asked for: --force replaces the link; its target is intact. */
    @Test
    void perfWithForceNeverWritesThroughAPlantedLink() throws Exception {
        needsPerf();
        PlantedLink planted = PlantedLink.in(dir, "kept.data");
        Jar.Run run = Jar.run("--backend=perf", "--duration=2s", "--format=json", "--force", "--record=" + planted.link());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(sha256(planted.victim())).isEqualTo(planted.victimHash());
        assertThat(Files.isSymbolicLink(planted.link())).isFalse();
        Jar.Run replay = Jar.run("--replay=" + planted.link(), "--format=json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(JSON.readTree(replay.out()).get("count").asLong()).isEqualTo(JSON.readTree(run.out()).get("count").asLong());
    }

    // bpftrace, with a stand-in (as in BpftraceChildIT): it attaches, and prints its maps when stopped.

    private static final String ATTACHED = "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch bpftrace script: probe sched-tp\\n\"}'\n"
            + "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: attached\\n\"}'\n";
    private static final String END_AND_MAPS = "printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: elapsed ns 3000000000\\n\"}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_n\": {\"0\": 4, \"1\": 2}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_sum\": {\"0\": 4000, \"1\": 8000}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_min\": {\"0\": 500, \"1\": 3000}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_max\": {\"0\": 2000, \"1\": 5000}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_hist\": {\"1000\": 6}}}'\n"
            + "printf '%s\\n' '{\"type\": \"map\", \"data\": {\"@ctxsw_unpaired\": 1}}'\n";

    /** A stand-in that attaches, does {@code meanwhile}, and prints its maps when stopped. */
    private Path fakeBpftrace(String meanwhile) throws Exception {
        return StandIn.write(dir.resolve("bpftrace"), "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bpftrace v0.23.2'; exit 0; fi\n"
                + "if [ \"$1\" = --info ]; then echo '  fentry: yes'; exit 0; fi\n"
                + "trap '" + END_AND_MAPS.replace("'", "'\\''") + " exit 0' TERM INT\n" + ATTACHED + meanwhile
                + "\nwhile :; do sleep 0.1; done\n");
    }

    @Test
    void bpftraceOnAFullFileSystemSaysSoAndKeepsTheRecording() throws Exception {
        Path full = dir.resolve("full");
        Path notes = full.resolve("notes.txt");
        Jar.Run run = onAFullFileSystem(full, "--backend=bpftrace", "--bpftrace=" + fakeBpftrace(""), "--duration=1s",
                "--format=json", "--force", "--record=" + notes);
        assertThat(assertNotKeptButStillThere(run, notes)).isEqualTo("No space left on device");
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isEqualTo(6);
    }

    @Test
    void bpftraceWithItsDirectoryRemovedMidRunSaysSoAndKeepsTheRecording() throws Exception {
        Path gone = Files.createDirectory(dir.resolve("gone"));
        Path record = gone.resolve("kept.bpftrace");
        Jar.Running running = Jar.start(List.of(), Map.of(), "--backend=bpftrace", "--bpftrace=" + fakeBpftrace(""),
                "--format=json", "--record=" + record);
        running.awaitErr("tracing with bpftrace", 60);
        Files.delete(gone);
        running.signal("INT");
        Jar.Run run = running.finish(60);
        assertThat(assertNotKeptButStillThere(run, record)).isEqualTo("its directory " + gone + " no longer exists");
    }

    /**
     * The private directory's file system fills up while tracing: in a private mount namespace /tmp
     * is a 64 KiB tmpfs (this test's directory bound back into it), which the stand-in fills once
     * attached. The recording stops, the measuring does not, and the run says the recording is
     * incomplete and where it is. (That /tmp goes with the namespace, so the file itself cannot be
     * looked at here.)
     */
    @Test
    void bpftraceWhoseRecordingCannotBeWrittenWhileTracingMeasuresOnAndSaysSo() throws Exception {
        Path filled = dir.resolve("filled");
        // then more output than a write buffer holds, so that a write fails while tracing, not only the last flush
        Path fake = fakeBpftrace("dd if=/dev/zero of=/tmp/filler bs=4k 2>/dev/null\n"
                + "for i in $(seq 2000); do printf '%s\\n' '{\"type\": \"printf\", \"data\": \"ctxswitch: attached\\n\"}'; done\n"
                + "touch " + filled + "\n");
        Path record = dir.resolve("kept.bpftrace");
        String setup = "mount --bind /tmp /mnt && mount -t tmpfs -o size=64k none /tmp && mkdir -p " + dir
                + " && mount --bind /mnt/" + Path.of("/tmp").relativize(dir) + " " + dir + " && exec \"$0\" \"$@\"";
        Jar.Running running = Jar.start(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", setup), Map.of(),
                "--backend=bpftrace", "--bpftrace=" + fake, "--format=json", "--record=" + record);
        running.awaitErr("tracing with bpftrace", 60);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(filled)) {
            assertThat(System.nanoTime()).as("the stand-in filled /tmp").isLessThan(deadline);
            Thread.sleep(50);
        }
        running.signal("INT");
        Jar.Run run = running.finish(60);
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(JSON.readTree(run.out()).get("count").asLong()).isEqualTo(6);
        List<String> lines = run.err().strip().lines().filter(l -> l.contains("could not be kept")).toList();
        assertThat(lines).as(run.err()).hasSize(1);
        Matcher m = NOT_KEPT.matcher(lines.get(0));
        assertThat(m.matches()).as(lines.get(0)).isTrue();
        assertThat(m.group(1)).isEqualTo(record.toString());
        assertThat(m.group(2)).isEqualTo("writing it while tracing failed (No space left on device), so it is incomplete");
        assertThat(m.group(3)).startsWith("/tmp/ctxswitch-").endsWith("/bpftrace.out");
        assertThat(record).doesNotExist();
        assertThat(names(dir)).containsExactly("bpftrace", "filled");
    }
}
