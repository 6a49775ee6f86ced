package io.ctxswitch.core.report;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * One percentile a report shows: a plain decimal above 0 and below 100 ({@code 50}, {@code 99.9}),
 * kept exactly as a decimal so that {@code 99.9} and {@code 99.90} are the same percentile.
 *
 * <p>Its JSON key is {@code p}, the integer part in two digits, the decimals without the dot, and
 * {@code _ns}: {@code p50_ns}, {@code p999_ns} (99.9), {@code p9999_ns} (99.99), {@code p05_ns} (5),
 * {@code p0999_ns} (9.99). The integer part always has two digits (a percentile is below 100), so
 * the key is read back one way only: 99.9 and 9.99 cannot share {@code p999}, nor 55 and 5.5 {@code p55}.
 */
public final class Percentile implements Comparable<Percentile> {
    /** More decimals than this tell nothing: p99.999999 already needs 10^8 switches to differ from max. */
    public static final int MAX_DECIMALS = 6;
    private static final Pattern PLAIN_DECIMAL = Pattern.compile("\\d+(\\.\\d+)?");
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private final BigDecimal value;

    private Percentile(BigDecimal value) {
        this.value = value.stripTrailingZeros();
    }

    /**
     * The percentile that {@code text} says, or an {@link IllegalArgumentException} whose message says
     * what is wrong with it in words for the command line.
     */
    public static Percentile parse(String text) {
        String t = text.strip();
        if (!PLAIN_DECIMAL.matcher(t).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a percentile: expected a number above 0 and below 100,"
                    + " such as 99.9");
        }
        BigDecimal value = new BigDecimal(t);
        if (value.signum() <= 0 || value.compareTo(HUNDRED) >= 0) {
            throw new IllegalArgumentException("'" + text + "' is not above 0 and below 100"
                    + " (p0 and p100 are min and max, which are always shown, exact)");
        }
        if (value.stripTrailingZeros().scale() > MAX_DECIMALS) {
            throw new IllegalArgumentException("'" + text + "' has more than " + MAX_DECIMALS + " decimals");
        }
        return new Percentile(value);
    }

    /** For code and tests: a percentile known to be valid. */
    public static Percentile of(String text) {
        return parse(text);
    }

    /** What HdrHistogram is asked for. */
    public double asDouble() {
        return value.doubleValue();
    }

    /** How text shows it: {@code p50}, {@code p99.9}, {@code p9.99}. */
    public String label() {
        return "p" + value.toPlainString();
    }

    /** Its JSON field name (see the class comment): {@code p50_ns}, {@code p999_ns}, {@code p0999_ns}. */
    public String jsonKey() {
        String plain = value.toPlainString();
        int dot = plain.indexOf('.');
        String whole = dot < 0 ? plain : plain.substring(0, dot);
        String decimals = dot < 0 ? "" : plain.substring(dot + 1);
        return "p" + (whole.length() == 1 ? "0" + whole : whole) + decimals + "_ns";
    }

    @Override
    public int compareTo(Percentile other) {
        return value.compareTo(other.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Percentile p && value.compareTo(p.value) == 0;
    }

    @Override
    public int hashCode() {
        return value.hashCode(); // stripped of trailing zeros, so equal values hash alike
    }

    @Override
    public String toString() {
        return label();
    }
}
