package io.ctxswitch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A systemd unit file as the tests read it: each section's settings, every value of a setting in
 * order (an empty value resets the list, as systemd has it). Enough for our own files: no line
 * continuations, no quoting.
 */
record SystemdUnit(Map<String, Map<String, List<String>>> sections) {
    static final Path UNIT = Jar.ROOT.resolve("deploy/systemd/ctxswitch-exporter.service");
    static final Path TLS_DROP_IN = Jar.ROOT.resolve("deploy/systemd/tls.conf");

    static SystemdUnit read(Path... files) throws IOException {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        for (Path file : files) {
            String section = null;
            for (String raw : Files.readAllLines(file)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                    continue;
                }
                if (line.startsWith("[")) {
                    section = line.substring(1, line.indexOf(']'));
                    sections.computeIfAbsent(section, s -> new LinkedHashMap<>());
                    continue;
                }
                int eq = line.indexOf('=');
                String key = line.substring(0, eq).strip();
                String value = line.substring(eq + 1).strip();
                List<String> values = sections.get(section).computeIfAbsent(key, k -> new ArrayList<>());
                if (value.isEmpty()) {
                    values.clear();
                } else {
                    values.add(value);
                }
            }
        }
        return new SystemdUnit(sections);
    }

    /** The setting's last value in [Service], or null. */
    String service(String key) {
        List<String> values = sections.getOrDefault("Service", Map.of()).getOrDefault(key, List.of());
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /** Every value of a space-separated list setting in [Service], all its lines together. */
    List<String> serviceList(String key) {
        List<String> all = new ArrayList<>();
        for (String value : sections.getOrDefault("Service", Map.of()).getOrDefault(key, List.of())) {
            all.addAll(List.of(value.split("\\s+")));
        }
        return all;
    }

    /** ExecStart's words: the program, then its arguments. */
    List<String> execStart() {
        return List.of(service("ExecStart").split("\\s+"));
    }

    /** ctxswitch's own arguments in ExecStart: those after the jar. */
    List<String> ctxswitchArguments() {
        List<String> words = execStart();
        return words.subList(words.indexOf("-jar") + 2, words.size());
    }

    String jar() {
        List<String> words = execStart();
        return words.get(words.indexOf("-jar") + 1);
    }
}
