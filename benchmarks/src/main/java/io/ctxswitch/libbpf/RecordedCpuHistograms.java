package io.ctxswitch.libbpf;

import io.ctxswitch.core.stats.LogLinearBuckets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's per-CPU histograms of a real {@code --serve --per-cpu} run, as recorded in
 * {@code recorded-cpu-histograms.txt} under benchmarks' resources, written by {@code bench/record-scrape-histograms.sh}:
 * for each CPU, a line {@code cpu N count C sum_ns S}, then one line {@code BUCKET COUNT} per
 * non-empty kernel bucket. Each CPU's buckets must add up to its count, so that a fixture cut short
 * or edited by hand is said, not benchmarked.
 */
final class RecordedCpuHistograms {
    static final String RESOURCE = "recorded-cpu-histograms.txt";

    /** One CPU's open interval: its exact count and sum, and its cumulative histogram. */
    record Cpu(long count, long sumNs, long[] hist) {
    }

    private RecordedCpuHistograms() {
    }

    static List<Cpu> load() {
        try (InputStream in = RecordedCpuHistograms.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not recorded yet: record it with bench/record-scrape-histograms.sh (root, alone on the machine)");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Cpu> parse(BufferedReader lines) throws IOException {
        List<Cpu> cpus = new ArrayList<>();
        long count = 0;
        long sum = 0;
        long[] hist = null;
        int number = 0;
        for (String line; (line = lines.readLine()) != null; ) {
            number++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f[0].equals("cpu")) {
                if (hist != null) {
                    cpus.add(checked(cpus.size(), count, sum, hist));
                }
                if (f.length != 6 || !f[1].equals(Integer.toString(cpus.size())) || !f[2].equals("count") || !f[4].equals("sum_ns")) {
                    throw new IllegalStateException(RESOURCE + ":" + number + ": expected \"cpu " + cpus.size() + " count C sum_ns S\": " + line);
                }
                count = Long.parseLong(f[3]);
                sum = Long.parseLong(f[5]);
                hist = new long[LogLinearBuckets.COUNT];
            } else {
                if (hist == null || f.length != 2) {
                    throw new IllegalStateException(RESOURCE + ":" + number + ": expected \"BUCKET COUNT\" after a cpu line: " + line);
                }
                hist[Integer.parseInt(f[0])] = Long.parseLong(f[1]);
            }
        }
        if (hist != null) {
            cpus.add(checked(cpus.size(), count, sum, hist));
        }
        if (cpus.isEmpty()) {
            throw new IllegalStateException(RESOURCE + " has no CPU");
        }
        return cpus;
    }

    private static Cpu checked(int cpu, long count, long sum, long[] hist) {
        long total = 0;
        for (long n : hist) {
            total += n;
        }
        if (total != count) {
            throw new IllegalStateException(RESOURCE + ": CPU " + cpu + "'s buckets add up to " + total + ", not its count " + count);
        }
        return new Cpu(count, sum, hist);
    }
}
