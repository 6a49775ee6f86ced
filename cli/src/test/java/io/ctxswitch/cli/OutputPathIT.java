package io.ctxswitch.cli;

import static io.ctxswitch.core.testing.UsersFiles.USERS;
import static io.ctxswitch.core.testing.UsersFiles.names;
import static io.ctxswitch.core.testing.UsersFiles.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.testing.UsersFiles.PlantedLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * --record's path is checked before anything is loaded or attached: a path that cannot work is a
 * usage error (exit 2) in one line, at once, and no byte of the user's changes. None of these runs
 * traces: were the check made after tracing, the runs below would trace and end otherwise.
 */
@Timeout(180)
class OutputPathIT {

    @TempDir
    Path dir;

    private static void assertRefused(Jar.Run run, String line) {
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("ctxswitch: " + line);
        assertThat(run.out()).isEmpty();
    }

    /**
     * Without perf or bpftrace on PATH: a check made after choosing the backend would end in exit 3
     * for the missing tool; exit 2 shows the path is checked first.
     */
    @Test
    void aMissingDirectoryIsRefusedBeforeTheBackendIsEvenLookedFor() throws Exception {
        Path record = dir.resolve("no/such/dir/kept.data");
        for (String backend : List.of("perf", "bpftrace")) {
            Jar.Run run = Jar.start(List.of(), Map.of("PATH", "/nonexistent"), "--backend=" + backend, "--duration=1s",
                    "--record=" + record).finish(60);
            assertRefused(run, "--record=" + record + ": directory " + dir.resolve("no/such/dir") + " does not exist");
        }
        assertThat(names(dir)).isEmpty();
    }

    @Test
    void anExistingFileIsRefusedWithoutForceAndKeepsItsBytes() throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.write(notes, USERS);
        String before = sha256(notes);
        Jar.Run run = Jar.run("--backend=perf", "--duration=1s", "--record=" + notes);
        assertRefused(run, "--record=" + notes + ": already exists (add --force to replace it)");
        assertThat(sha256(notes)).isEqualTo(before);
        assertThat(names(dir)).containsExactly("notes.txt");
    }

    @Test
    void aDirectoryIsNeverReplacedEvenWithForce() throws Exception {
        Jar.Run run = Jar.run("--backend=perf", "--duration=1s", "--force", "--record=" + dir);
        assertRefused(run, "--record=" + dir + ": is a directory, not a file");
    }

    /** A link planted in a world-writable directory, like /tmp, at the name asked for: refused, its target intact. */
    @Test
    void aPlantedSymbolicLinkIsRefusedWithoutForce() throws Exception {
        PlantedLink planted = PlantedLink.in(dir, "kept.data");
        Jar.Run run = Jar.run("--backend=bpftrace", "--duration=1s", "--record=" + planted.link());
        assertRefused(run, "--record=" + planted.link() + ": already exists (add --force to replace it)");
        assertThat(sha256(planted.victim())).isEqualTo(planted.victimHash());
        assertThat(Files.readSymbolicLink(planted.link())).isEqualTo(planted.victim());
    }

    /** An ordinary user (nobody), for whom permission bits count, in a directory of root's. */
    @Test
    void aDirectoryTheUserCannotWriteIsRefused() throws Exception {
        if (!LiveHost.root() || !Jar.onPath("setpriv")) {
            Jar.skip("running as another user needs root and setpriv (util-linux)");
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path roots = Files.createDirectory(dir.resolve("roots"));
        Files.setPosixFilePermissions(roots, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all");
        Path jar = Files.copy(Jar.JAR, dir.resolve("ctxswitch.jar")); // the checkout's may be out of nobody's reach
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Jar.Run run = Jar.start(jar, false, asNobody, Map.of(), "--backend=perf", "--duration=1s", "--record=" + roots.resolve("kept.data"))
                .finish(60);
        assertRefused(run, "--record=" + roots.resolve("kept.data") + ": cannot create a file in " + roots + ": permission denied");
        assertThat(names(roots)).isEmpty();
        Files.delete(jar);
    }

    /** Root on a read-only file system (a read-only tmpfs, mounted in a private mount namespace). */
    @Test
    void aReadOnlyFileSystemIsRefused() throws Exception {
        if (!LiveHost.root() || !Jar.onPath("unshare")) {
            Jar.skip("a private mount namespace needs root and unshare (util-linux)");
        }
        Path readOnly = Files.createDirectory(dir.resolve("ro"));
        Jar.Run run = Jar.start(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o ro none " + readOnly + " && exec \"$0\" \"$@\""), Map.of(),
                "--backend=perf", "--duration=1s", "--record=" + readOnly.resolve("kept.data")).finish(60);
        assertRefused(run, "--record=" + readOnly.resolve("kept.data") + ": cannot create a file in " + readOnly
                + ": Read-only file system");
    }
}
