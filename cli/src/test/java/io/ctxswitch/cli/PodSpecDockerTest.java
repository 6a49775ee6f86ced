package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How {@link PodSpecDocker} turns a pod spec into docker's options, and that it refuses what it does not understand. */
@Timeout(30)
class PodSpecDockerTest {
    private static String daemonSet(String podSpec) {
        return "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    metadata:\n      annotations:\n"
                + "        prometheus.io/port: \"9477\"\n    spec:\n" + podSpec.indent(6);
    }

    @Test
    void eachGrantBecomesItsDockerOption() throws Exception {
        PodSpecDocker pod = PodSpecDocker.parse(daemonSet("""
                containers:
                  - name: c
                    image: img:1
                    args: ["--a", "--b"]
                    securityContext:
                      runAsUser: 0
                      allowPrivilegeEscalation: false
                      readOnlyRootFilesystem: true
                      capabilities: {drop: [ALL], add: [BPF, PERFMON]}
                      seccompProfile: {type: RuntimeDefault}
                    resources: {requests: {cpu: 10m}, limits: {memory: 192Mi, cpu: 500m}}
                    volumeMounts: [{name: tmp, mountPath: /tmp}, {name: btf, mountPath: /sys/kernel/btf, readOnly: true}]
                volumes:
                  - {name: tmp, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
                  - {name: btf, hostPath: {path: /sys/kernel/btf}}
                hostPID: true
                """));
        assertThat(pod.dockerRun("n", Path.of("/p.json"))).containsExactly("docker", "run", "--detach", "--name", "n", "--network", "none",
                "--pid", "host", "--user", "0:0", "--security-opt", "no-new-privileges", "--read-only",
                "--cap-drop", "ALL", "--cap-add", "BPF", "--cap-add", "PERFMON", "--security-opt", "seccomp=/p.json", "--memory", "201326592b", "--cpus", "0.5",
                "--tmpfs", "/tmp:rw,nosuid,nodev,size=16777216", "--volume", "/sys/kernel/btf:/sys/kernel/btf:ro",
                "img:1", "--a", "--b");
        assertThat(pod.scrapePort()).isEqualTo(9477);
        assertThat(pod.scrapePath()).isEqualTo("/metrics");
        assertThat(PodSpecDocker.capabilityMask(pod.addedCapabilities())).isEqualTo(0xc0_0000_0000L);
    }

    @Test
    void aGrantItCannotReproduceIsRefusedNotIgnored() {
        String container = "containers: [{name: c, image: i, securityContext: {%s}}]";
        assertThatThrownBy(() -> PodSpecDocker.parse(daemonSet(container.formatted("procMount: Unmasked"))).dockerRun("n", null))
                .hasMessageContaining("procMount");
        assertThatThrownBy(() -> PodSpecDocker.parse(daemonSet(container.formatted("privileged: true"))).dockerRun("n", null))
                .hasMessageContaining("privileged");
        assertThatThrownBy(() -> PodSpecDocker.parse(daemonSet("containers: [{name: c, image: i, volumeDevices: []}]")))
                .hasMessageContaining("volumeDevices");
        assertThatThrownBy(() -> PodSpecDocker.parse(daemonSet("shareProcessNamespace: true\ncontainers: [{name: c, image: i}]")))
                .hasMessageContaining("shareProcessNamespace");
    }

    /** The manifest itself is one that the container test can run as written. */
    @Test
    void theManifestIsUnderstood() throws Exception {
        List<String> run = PodSpecDocker.read(PodSpecDocker.MANIFEST).dockerRun("n", null);
        assertThat(run).contains("--cap-drop", "ALL").doesNotContain("--privileged");
    }
}
