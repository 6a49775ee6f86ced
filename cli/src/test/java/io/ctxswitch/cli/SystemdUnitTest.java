package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.testing.LiveTestSkip;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/systemd: systemd's own checks of the unit with its TLS drop-in (no warning at all, an
 * exposure rating held), what it grants, and that the paths it names are ones README's install lines
 * create. Nothing here starts the unit: {@link SystemdUnitIT} runs the jar with its user and capabilities.
 */
@Timeout(120)
class SystemdUnitTest {
    /** systemd-analyze security's rating, times ten: 1.8 ("OK"). The unit rates 1.7 today. */
    static final int EXPOSURE_THRESHOLD = 18;

    @TempDir
    Path dir;

    private static String[] analyze(Path unitPath, Path unit, String... args) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            LiveTestSkip.because("systemd-analyze is missing (apt-get install systemd)");
        }
        List<String> command = new ArrayList<>(List.of("systemd-analyze"));
        command.addAll(List.of(args));
        command.add(unit.toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SYSTEMD_UNIT_PATH", unitPath + ":"); // our directory first, then systemd's own
        pb.environment().put("SYSTEMD_COLORS", "0");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    /** The unit, and the TLS drop-in where systemd looks for it, in a directory of their own. */
    private Path installed() throws Exception {
        Path unit = Files.copy(SystemdUnit.UNIT, dir.resolve("ctxswitch-exporter.service"));
        Path dropIns = Files.createDirectories(dir.resolve("ctxswitch-exporter.service.d"));
        Files.copy(SystemdUnit.TLS_DROP_IN, dropIns.resolve("tls.conf"));
        return unit;
    }

    @Test
    void systemdAnalyzeVerifySaysNothingOfTheUnitAndItsDropIn() throws Exception {
        String[] verify = analyze(dir, installed(), "verify");
        assertThat(verify[1]).as("systemd-analyze verify's output").isEmpty();
        assertThat(verify[0]).isEqualTo("0");
    }

    @Test
    void systemdAnalyzeSecurityRatesItLowExposure() throws Exception {
        String[] security = analyze(dir, installed(), "security", "--offline=true", "--threshold=" + EXPOSURE_THRESHOLD);
        assertThat(security[0]).as(security[1]).isEqualTo("0");
        assertThat(security[1]).contains("Overall exposure level for ctxswitch-exporter.service");
    }

    @Test
    void itRunsWithoutRootWithCapBpfAndCapPerfmonOnly() throws Exception {
        SystemdUnit unit = SystemdUnit.read(SystemdUnit.UNIT);
        assertThat(unit.service("DynamicUser")).isEqualTo("yes");
        assertThat(unit.service("User")).isNull();
        assertThat(unit.serviceList("AmbientCapabilities")).containsExactlyInAnyOrder("CAP_BPF", "CAP_PERFMON");
        assertThat(unit.serviceList("CapabilityBoundingSet")).containsExactlyInAnyOrder("CAP_BPF", "CAP_PERFMON");
        assertThat(unit.service("NoNewPrivileges")).isEqualTo("yes");
        assertThat(unit.service("ProtectSystem")).isEqualTo("strict");
        assertThat(unit.service("Restart")).isEqualTo("on-failure");
        assertThat(unit.ctxswitchArguments()).contains("--backend=libbpf").anyMatch(a -> a.startsWith("--serve=127.0.0.1:"));
    }

    @Test
    void theTlsDropInChangesOnlyWhereAndHowItServes() throws Exception {
        SystemdUnit plain = SystemdUnit.read(SystemdUnit.UNIT);
        SystemdUnit tls = SystemdUnit.read(SystemdUnit.UNIT, SystemdUnit.TLS_DROP_IN);
        assertThat(tls.execStart().subList(0, tls.execStart().indexOf("-jar") + 2))
                .as("the same JVM and jar").isEqualTo(plain.execStart().subList(0, plain.execStart().indexOf("-jar") + 2));
        List<String> added = new ArrayList<>(tls.ctxswitchArguments());
        added.removeAll(plain.ctxswitchArguments());
        assertThat(added).hasSize(2).anyMatch(a -> a.startsWith("--serve=0.0.0.0:")).contains("--serve-config=%d/web.yml");
        assertThat(tls.serviceList("LoadCredential")).containsExactly(
                "web.yml:/etc/ctxswitch/web.yml", "tls.crt:/etc/ctxswitch/tls.crt", "tls.key:/etc/ctxswitch/tls.key");
    }

    /**
     * The paths the unit relies on are the ones README's "With systemd" lines install: the jar its
     * ExecStart runs, the documentation it names, and the unit and drop-in themselves.
     */
    @Test
    void readmesInstallLinesCreateWhatTheUnitNames() throws Exception {
        Map<String, String> installs = readmeInstalls(); // destination -> source in this checkout
        SystemdUnit unit = SystemdUnit.read(SystemdUnit.UNIT);
        assertThat(installs).containsEntry(unit.jar(), "cli/target/ctxswitch.jar");
        String documentation = unit.sections().get("Unit").get("Documentation").get(0);
        assertThat(installs).containsKey(documentation.replaceFirst("^file:", ""));
        assertThat(installs).containsEntry("/etc/systemd/system/ctxswitch-exporter.service", "deploy/systemd/ctxswitch-exporter.service");
        assertThat(installs).containsEntry("/etc/systemd/system/ctxswitch-exporter.service.d/tls.conf", "deploy/systemd/tls.conf");
        for (String source : installs.values()) {
            if (!source.startsWith("cli/target/")) { // built by ./ctxswitch, the first line
                assertThat(Jar.ROOT.resolve(source)).as(source).isRegularFile();
            }
        }
        assertThat(unit.execStart().get(0)).as("Debian's java, from the openjdk-17-jre-headless README installs").isEqualTo("/usr/bin/java");
    }

    /** Every {@code sudo install ... SOURCE DEST} line in README's "With systemd" section. */
    private static Map<String, String> readmeInstalls() throws Exception {
        String readme = Files.readString(Jar.ROOT.resolve("README.md"));
        int start = readme.indexOf("\n### With systemd\n");
        assertThat(start).as("README has a 'With systemd' section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        int next = readme.indexOf("\n### ", start + 1);
        String section = readme.substring(start, next > 0 && next < end ? next : end);
        Map<String, String> installs = new LinkedHashMap<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("sudo install ")) {
                String[] words = line.split("\\s+");
                installs.put(words[words.length - 1], words[words.length - 2]);
            }
        }
        return installs;
    }
}
