package io.ctxswitch.libbpf;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Names of kernel functions as this kernel has them: the compiler renames some (finish_task_switch.isra.0). */
final class KernelSymbols {
    static final Path KALLSYMS = Path.of("/proc/kallsyms");
    private static final Pattern FINISH = Pattern.compile("finish_task_switch(\\.[\\w.]+)?");

    private KernelSymbols() {
    }

    /** finish_task_switch under its name in /proc/kallsyms, or the plain name if the file says nothing. */
    static String finishTaskSwitch() {
        try (BufferedReader lines = Files.newBufferedReader(KALLSYMS, StandardCharsets.US_ASCII)) {
            return finishTaskSwitch(lines);
        } catch (IOException | RuntimeException e) {
            return "finish_task_switch";
        }
    }

    /** From kallsyms lines ("ffffffff8d0dcf60 t finish_task_switch.isra.0"): the text symbol, plain name first. */
    static String finishTaskSwitch(BufferedReader kallsyms) throws IOException {
        String found = null;
        for (String line = kallsyms.readLine(); line != null; line = kallsyms.readLine()) {
            if (!line.contains("finish_task_switch")) { // 100 000 lines and more: the cheap test first
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length >= 3 && (f[1].equals("t") || f[1].equals("T")) && FINISH.matcher(f[2]).matches()) {
                if (f[2].equals("finish_task_switch")) {
                    return f[2];
                }
                found = found == null ? f[2] : found;
            }
        }
        return found == null ? "finish_task_switch" : found;
    }
}
