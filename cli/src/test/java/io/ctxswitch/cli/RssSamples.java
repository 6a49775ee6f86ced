package io.ctxswitch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A process's resident memory sampled over a soak: "seconds kB" lines, and what the soak tests ask of them. */
final class RssSamples {
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

    private final long pid;
    private final long start = System.nanoTime();
    private final List<long[]> samples = new ArrayList<>();

    RssSamples(long pid) {
        this.pid = pid;
    }

    /** Takes one sample now. */
    void sample() throws IOException {
        Matcher rss = RSS.matcher(Files.readString(Path.of("/proc/" + pid + "/status")));
        if (rss.find()) {
            samples.add(new long[] {(System.nanoTime() - start) / 1_000_000_000L, Long.parseLong(rss.group(1))});
        }
    }

    /** The last sample taken at or before {@code seconds} (the first sample if none was). */
    long at(long seconds) {
        long value = samples.get(0)[1];
        for (long[] s : samples) {
            if (s[0] <= seconds) {
                value = s[1];
            }
        }
        return value;
    }

    long last() {
        return samples.get(samples.size() - 1)[1];
    }

    long peak() {
        return samples.stream().mapToLong(s -> s[1]).max().orElseThrow();
    }

    /** One "seconds kB" line per sample. */
    String lines() {
        StringBuilder b = new StringBuilder();
        samples.forEach(s -> b.append(s[0]).append(' ').append(s[1]).append('\n'));
        return b.toString();
    }
}
