package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The samples of a {@code --serve} scrape (text format), as the tests that check them across scrapes need them. */
final class Exposition {
    /** One sample line of the text exposition: series (name and labels) and value. */
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(ctxswitch_[a-z_]+(?:\\{[^}]*\\})?) (\\S+)$");

    private Exposition() {
    }

    /** Every sample of a scrape of {@code url} (text format), by series. */
    static Map<String, Double> scrape(String url) throws Exception {
        Map<String, Double> samples = new LinkedHashMap<>();
        Matcher m = SAMPLE.matcher(Loopback.get(url, "text/plain;version=0.0.4"));
        while (m.find()) {
            samples.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        assertThat(samples).as("samples served").containsKey("ctxswitch_unpaired_total");
        return samples;
    }

    /** Counters, buckets, counts and sums never decrease, and no series disappears. */
    static void assertNeverLess(Map<String, Double> before, Map<String, Double> now, long scrape) {
        for (Map.Entry<String, Double> e : before.entrySet()) {
            if (!e.getKey().startsWith("ctxswitch_info")) {
                assertThat(now.get(e.getKey())).as("%s at scrape %d", e.getKey(), scrape).isNotNull()
                        .isGreaterThanOrEqualTo(e.getValue());
            }
        }
    }

    /** The sum over every series of {@code name} (one per CPU with --per-cpu); 0 if there is none. */
    static double total(Map<String, Double> samples, String name) {
        return samples.entrySet().stream().filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
                .mapToDouble(Map.Entry::getValue).sum();
    }
}
