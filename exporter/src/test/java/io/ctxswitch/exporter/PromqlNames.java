package io.ctxswitch.exporter;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric and label names that a PromQL expression (as Grafana stores it, with its {@code $variables})
 * refers to, found by PromQL's lexical rules: a metric name is an identifier that is not a function or
 * aggregation (those are followed by a parenthesis), not a keyword, and not inside a label matcher, a
 * grouping clause, a range or a string; labels are those of matchers and grouping clauses. Grafana's
 * {@code label_values(metric, label)} counts as both.
 */
final class PromqlNames {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{([^}]*)}");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\(\\s*(?:([^,()]+?)\\s*,\\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$");
    /** Identifiers not inside another token (a number's exponent, a $variable). */
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2");

    private PromqlNames() {
    }

    static Set<String> metrics(String expression) {
        Matcher labelValues = LABEL_VALUES.matcher(expression);
        if (labelValues.matches()) {
            return labelValues.group(1) == null ? Set.of() : metrics(labelValues.group(1));
        }
        String rest = STRING.matcher(expression).replaceAll("\"\"");
        rest = MATCHERS.matcher(rest).replaceAll("{}");
        rest = GROUPING.matcher(rest).replaceAll(" ");
        rest = RANGE.matcher(rest).replaceAll("");
        Set<String> metrics = new TreeSet<>();
        Matcher id = IDENTIFIER.matcher(rest);
        while (id.find()) {
            if (id.group(2) == null && !KEYWORDS.contains(id.group(1).toLowerCase(java.util.Locale.ROOT))) {
                metrics.add(id.group(1));
            }
        }
        return metrics;
    }

    static Set<String> labels(String expression) {
        Set<String> labels = new TreeSet<>();
        Matcher labelValues = LABEL_VALUES.matcher(expression);
        if (labelValues.matches()) {
            labels.add(labelValues.group(2));
            if (labelValues.group(1) != null) {
                labels.addAll(labels(labelValues.group(1)));
            }
            return labels;
        }
        String rest = STRING.matcher(expression).replaceAll("\"\"");
        Matcher matchers = MATCHERS.matcher(rest);
        while (matchers.find()) {
            Matcher label = MATCHER_LABEL.matcher(matchers.group(1));
            while (label.find()) {
                labels.add(label.group(1));
            }
        }
        Matcher grouping = GROUPING.matcher(rest);
        while (grouping.find()) {
            for (String label : grouping.group(1).split(",")) {
                if (!label.isBlank()) {
                    labels.add(label.strip());
                }
            }
        }
        return labels;
    }
}
