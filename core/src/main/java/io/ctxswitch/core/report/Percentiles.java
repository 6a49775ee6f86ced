package io.ctxswitch.core.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which percentiles a report shows ({@code --percentiles}), always in ascending order.
 *
 * @param shown those of the summary and of each JSON object
 * @param inRows those of the text rows of {@code --interval}, which are narrow: by default p50 and
 *               p99 only (as before {@code --percentiles} existed); once a list is given, all of it
 */
public record Percentiles(List<Percentile> shown, List<Percentile> inRows) {
    /** Without {@code --percentiles}: the figures and JSON keys that scripts already read. */
    public static final Percentiles DEFAULT = new Percentiles(
            List.of(Percentile.of("50"), Percentile.of("90"), Percentile.of("99"), Percentile.of("99.9")),
            List.of(Percentile.of("50"), Percentile.of("99")));

    public Percentiles {
        shown = List.copyOf(shown);
        inRows = List.copyOf(inRows);
    }

    /**
     * A comma-separated list such as {@code 50,90,99,99.9,99.99}, in any order: it is shown sorted.
     * A percentile given twice (also as {@code 99.9,99.90}) is refused, being most likely a typo for
     * another one. Refusals are {@link IllegalArgumentException}s whose message is for the user.
     */
    public static Percentiles parse(String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("no percentile given: expected a list such as 50,90,99,99.9");
        }
        Set<Percentile> sorted = new TreeSet<>();
        for (String item : list.split(",", -1)) {
            if (item.isBlank()) {
                throw new IllegalArgumentException("'" + list + "' has an empty item: expected a list such as 50,90,99,99.9");
            }
            Percentile p = Percentile.parse(item);
            if (!sorted.add(p)) {
                throw new IllegalArgumentException("'" + list + "' names " + p.label() + " twice");
            }
        }
        List<Percentile> shown = new ArrayList<>(sorted);
        return new Percentiles(shown, shown);
    }
}
