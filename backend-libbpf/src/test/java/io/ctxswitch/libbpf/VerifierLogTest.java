package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctxswitch.core.spi.SourceException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** libbpf's log stays quiet on success and becomes the error's detail when the verifier refuses a program. */
class VerifierLogTest {

    @BeforeEach
    void needsACapableHost() {
        LiveHost.assumeSchedTpCapable();
    }

    private static byte[] compileRejectedProgram() throws Exception {
        io.ctxswitch.core.testing.LiveTestSkip.unless(Files.isExecutable(Path.of("/usr/bin/clang")),
                "VerifierLogTest: clang is missing (apt-get install clang)");
        Path object = Files.createTempFile("rejected", ".bpf.o");
        String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        Process clang = new ProcessBuilder("clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/" + arch + "-linux-gnu",
                "-c", "src/test/bpf/rejected.bpf.c", "-o", object.toString()).redirectErrorStream(true).start();
        String log = new String(clang.getInputStream().readAllBytes());
        assertThat(clang.waitFor()).as(log).isZero();
        byte[] bytes = Files.readAllBytes(object);
        Files.delete(object);
        return bytes;
    }

    @Test
    void theVerifiersComplaintIsTheDetailOfTheError() throws Exception {
        byte[] rejected = compileRejectedProgram();
        Libbpf lib = Libbpf.load();
        assertThatThrownBy(() -> LoadedObject.load(lib, rejected, KernelProbe.SCHED_TP, false))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SourceException.Kind.ENVIRONMENT);
                    assertThat(e.getMessage()).startsWith("the kernel refused to load the BPF program");
                    assertThat(e.detail()).contains("ctxsw_entry").contains("map_value_or_null");
                });
    }

    @Test
    void garbageIsRefusedWithoutACrash() throws Exception {
        Libbpf lib = Libbpf.load();
        assertThatThrownBy(() -> LoadedObject.load(lib, "not an ELF object".getBytes(), KernelProbe.SCHED_TP, false))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("could not open the BPF object");
    }
}
