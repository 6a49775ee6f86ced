package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One boot of a Debian kernel under QEMU (vm/kernel.sh) that runs a guest script of
 * src/test/vm with the jar under test and the coverage load; the tests then read what it left.
 */
final class KernelVm {
    private KernelVm() {
    }

    /**
     * Boots {@code kernelPackage} with {@code kernelArgs}, runs {@code guestScript} (a file of
     * src/test/vm) there, and returns the directory it wrote to (target/NAME). Skips, saying why,
     * where the VM cannot run; fails if the guest script did not finish with status 0.
     */
    static Path boot(String name, String kernelPackage, List<String> kernelArgs, String guestScript) throws Exception {
        if (!LiveHost.root()) {
            Jar.skip(name + " VM test: not running as root (9p shares the whole root)");
        }
        for (String tool : new String[] {"qemu-system-x86_64", "gcc"}) {
            if (!onPath(tool)) {
                Jar.skip(name + " VM test: " + tool + " is missing (apt-get install qemu-system-x86 gcc)");
            }
        }
        Path out = Path.of("target", name).toAbsolutePath();
        Files.createDirectories(out);
        // A previous boot's files must not pass for this one's, nor make a scenario that will not overwrite fail.
        try (Stream<Path> previous = Files.list(out)) {
            for (Path file : (Iterable<Path>) previous::iterator) {
                Files.delete(file); // the guest scripts write plain files only
            }
        }
        Path load = MixedLoad.build();
        Path vm = Jar.ROOT.resolve("cli/src/test/vm");
        Path wrapper = out.resolveSibling(name + "-run.sh");
        Files.writeString(wrapper, "export CTXSWITCH_JAR=" + Jar.JAR + " CTXSWITCH_LOAD=" + load + " OUT=/mnt\n"
                + "exec /bin/sh " + vm.resolve(guestScript) + "\n");
        List<String> command = new ArrayList<>(List.of(Jar.ROOT.resolve("vm/kernel.sh").toString(), kernelPackage,
                wrapper.toString(), out.toString()));
        command.addAll(kernelArgs);
        Path log = out.resolveSibling(name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(30, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the " + name + " VM did not finish within 30 minutes");
        }
        String text = Files.readString(log);
        System.err.print(text);
        assertThat(process.exitValue()).as("vm/kernel.sh %s: %s; guest log: %s", kernelPackage, text, guestLog(out)).isZero();
        return out;
    }

    private static String guestLog(Path out) throws IOException {
        Path log = out.resolve("guest.log");
        return Files.exists(log) ? Files.readString(log) : "(none)";
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
