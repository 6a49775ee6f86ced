package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How {@link PodSpecCtr} turns a pod spec into ctr's options, and that it refuses what it does not understand. */
@Timeout(30)
class PodSpecCtrTest {
    private static String daemonSet(String podSpec) {
        return "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    metadata:\n      annotations:\n"
                + "        prometheus.io/port: \"9477\"\n    spec:\n" + podSpec.indent(6);
    }

    @Test
    void eachGrantBecomesItsDockerOption() throws Exception {
        PodSpecCtr pod = PodSpecCtr.parse(daemonSet("""
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
        List<String> run = pod.ctrRun(Path.of("/s"), "ns", "id", "ref", List.of("/e"), List.of("--cmd"), Path.of("/pid"));
        assertThat(run.subList(0, 10)).containsExactly("ctr", "--address", "/s", "--namespace", "ns", "run", "--rm", "--pid-file", "/pid",
                "--with-ns");
        assertThat(run).containsSubsequence("--with-ns", "pid:/proc/1/ns/pid", "--read-only", "--cap-add", "CAP_BPF", "--cap-add", "CAP_PERFMON",
                        "--seccomp", "--memory-limit", "201326592", "--cpus", "0.5",
                        "--mount", "type=tmpfs,src=tmpfs,dst=/tmp,options=rw:nosuid:nodev:size=16777216",
                        "--mount", "type=bind,src=/sys/kernel/btf,dst=/sys/kernel/btf,options=rbind:ro", "ref", "id", "/e", "--a", "--b")
                .doesNotContain("--allow-new-privs", "--net-host", "--cmd");
        assertThat(java.util.Collections.frequency(run, "--cap-drop")).as("the kernel's 41 capabilities but the two added").isEqualTo(39);
        assertThat(run).doesNotContainSequence("--cap-drop", "CAP_BPF").doesNotContainSequence("--cap-drop", "CAP_PERFMON")
                .containsSequence("--cap-drop", "CAP_SYS_ADMIN");
        assertThat(pod.scrapePort()).isEqualTo(9477);
        assertThat(pod.scrapePath()).isEqualTo("/metrics");
        assertThat(PodSpecCtr.capabilityMask(pod.addedCapabilities())).isEqualTo(0xc0_0000_0000L);
    }

    @Test
    void aGrantItCannotReproduceIsRefusedNotIgnored() {
        String container = "containers: [{name: c, image: i, securityContext: {%s}}]";
        assertThatThrownBy(() -> PodSpecCtr.parse(daemonSet(container.formatted("procMount: Unmasked"))).ctrRun(Path.of("/s"), "ns", "n", "ref", List.of(), List.of(), Path.of("/p")))
                .hasMessageContaining("procMount");
        assertThatThrownBy(() -> PodSpecCtr.parse(daemonSet(container.formatted("privileged: true"))).ctrRun(Path.of("/s"), "ns", "n", "ref", List.of(), List.of(), Path.of("/p")))
                .hasMessageContaining("privileged");
        assertThatThrownBy(() -> PodSpecCtr.parse(daemonSet("containers: [{name: c, image: i, volumeDevices: []}]")))
                .hasMessageContaining("volumeDevices");
        assertThatThrownBy(() -> PodSpecCtr.parse(daemonSet("shareProcessNamespace: true\ncontainers: [{name: c, image: i}]")))
                .hasMessageContaining("shareProcessNamespace");
    }

    /** The manifest itself is one that the container test can run as written. */
    @Test
    void theManifestIsUnderstood() throws Exception {
        List<String> run = PodSpecCtr.read(PodSpecCtr.MANIFEST).ctrRun(Path.of("/s"), "ns", "n", "ref", List.of(), List.of(), Path.of("/p"));
        assertThat(run).contains("--cap-drop", "--seccomp").doesNotContain("--privileged", "--allow-new-privs");
    }
}
