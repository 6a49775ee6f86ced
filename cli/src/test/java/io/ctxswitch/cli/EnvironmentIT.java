package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is missing gives exit 3 and one line naming it and how to get it. */
class EnvironmentIT {

    private static void assertOneLineEnvironmentError(Jar.Run run, String... mentions) {
        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        String err = run.err().strip();
        assertThat(err.lines().count()).as(err).isEqualTo(1);
        assertThat(err).startsWith("ctxswitch: ");
        for (String mention : mentions) {
            assertThat(err).contains(mention);
        }
        assertThat(run.out()).isEmpty();
    }

    @Test
    void notRootSaysToUseSudo() throws Exception {
        if (!LiveHost.root() || !Jar.onPath("setpriv")) {
            Jar.skip("dropping privileges needs root and setpriv (util-linux)");
        }
        Jar.assumeBuilt();
        // The checkout may not be readable by others: give the unprivileged user its own copy of the jar.
        Path dir = Files.createTempDirectory("ctxswitch-nobody", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            Path jar = Files.copy(Jar.JAR, dir.resolve("ctxswitch.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all");
            for (String backend : new String[] {"--backend=libbpf", "--backend=auto"}) {
                ProcessBuilder pb = new ProcessBuilder();
                List<String> cmd = new java.util.ArrayList<>(asNobody);
                cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                        "-Djava.io.tmpdir=/tmp", "-jar", jar.toString(), backend, "--duration=1s"));
                Path out = dir.resolve("out");
                Path err = dir.resolve("err");
                Process p = pb.command(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                Jar.Run run = new Jar.Run(p.exitValue(), Files.readString(out), Files.readString(err));
                assertOneLineEnvironmentError(run, "needs root", "sudo");
            }
        } finally { // the jar's copy is megabytes, made each run
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void missingLibbpfSaysWhichPackageToInstall() throws Exception {
        Jar.Run run = Jar.start(List.of(), Map.of("CTXSWITCH_LIBBPF", "/nonexistent/libbpf.so.1"),
                "--backend=libbpf", "--duration=1s").finish(60);
        assertOneLineEnvironmentError(run, "/nonexistent/libbpf.so.1", "apt-get install libbpf1");
    }

    @Test
    void libbpfOlderThanOneIsRefused(@TempDir Path dir) throws Exception {
        if (!Jar.onPath("gcc")) {
            Jar.skip("building a stand-in for an old libbpf needs gcc");
        }
        Path source = dir.resolve("old.c");
        Files.writeString(source, "int libbpf_major_version(void) { return 0; }\nint libbpf_minor_version(void) { return 8; }\n");
        Path lib = dir.resolve("libbpf.so.0");
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", lib.toString(), source.toString()).inheritIO().start();
        assertThat(gcc.waitFor()).isZero();
        Jar.Run run = Jar.start(List.of(), Map.of("CTXSWITCH_LIBBPF", lib.toString()), "--backend=libbpf", "--duration=1s").finish(60);
        assertOneLineEnvironmentError(run, "libbpf 0.8 is too old", "1.0 or later");
    }

    @Test
    void bpftraceMissingSaysHowToGetIt() throws Exception {
        Jar.Run run = Jar.start(List.of(), Map.of("PATH", "/nonexistent"), "--backend=bpftrace", "--duration=1s").finish(60);
        assertOneLineEnvironmentError(run, "bpftrace is not installed", "apt-get install bpftrace");
        Jar.Run named = Jar.run("--backend=bpftrace", "--bpftrace=/nonexistent/bpftrace", "--duration=1s");
        assertOneLineEnvironmentError(named, "--bpftrace=/nonexistent/bpftrace", "is not an executable file");
    }
}
