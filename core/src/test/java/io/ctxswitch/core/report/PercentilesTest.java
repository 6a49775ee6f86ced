package io.ctxswitch.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --percentiles}: what a list may hold, its order, and JSON keys that never collide. */
class PercentilesTest {

    private static List<String> labels(Percentiles p) {
        return p.shown().stream().map(Percentile::label).toList();
    }

    @Test
    void theDefaultKeepsTheKeysScriptsAlreadyRead() {
        assertThat(Percentiles.DEFAULT.shown().stream().map(Percentile::jsonKey))
                .containsExactly("p50_ns", "p90_ns", "p99_ns", "p999_ns");
        assertThat(Percentiles.DEFAULT.inRows()).containsExactly(Percentile.of("50"), Percentile.of("99"));
    }

    @Test
    void aListIsShownSortedAndAllOfItGoesInTheRows() {
        Percentiles p = Percentiles.parse("99.99,50, 90 ,99.9,99");
        assertThat(labels(p)).containsExactly("p50", "p90", "p99", "p99.9", "p99.99");
        assertThat(p.inRows()).isEqualTo(p.shown());
        assertThat(p.shown().stream().map(Percentile::jsonKey))
                .containsExactly("p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns");
    }

    @Test
    void keysHaveTwoDigitsBeforeWhereTheDotWas() {
        Map<String, String> keys = Map.of("99.9", "p999_ns", "9.99", "p0999_ns", "55", "p55_ns", "5.5", "p055_ns",
                "0.5", "p005_ns", "5", "p05_ns", "99.9999", "p999999_ns", "99.90", "p999_ns", "050", "p50_ns", "0.001", "p00001_ns");
        keys.forEach((text, key) -> assertThat(Percentile.of(text).jsonKey()).as(text).isEqualTo(key));
        assertThat(Percentile.of("99.90").label()).isEqualTo("p99.9");
        assertThat(Percentile.of("050").label()).isEqualTo("p50");
        assertThat(Percentile.of("0.5").label()).isEqualTo("p0.5");
    }

    /**
     * Every percentile with up to two decimals (9,999 of them), and those of the forms that the
     * dot-less naming confuses with more decimals: no two share a key, and each key reads back to its
     * percentile (two digits, then the decimals).
     */
    @Test
    void noTwoPercentilesShareAKey() {
        Map<String, Percentile> byKey = new HashMap<>();
        for (int hundredths = 1; hundredths < 10_000; hundredths++) {
            check(byKey, Percentile.of(java.math.BigDecimal.valueOf(hundredths, 2).toPlainString()));
        }
        for (String text : List.of("9.999", "99.999", "0.999", "9.9999", "99.9999", "0.000001", "99.999999", "1.000001")) {
            check(byKey, Percentile.of(text));
        }
        assertThat(byKey).hasSize(9_999 + 8);
    }

    private static void check(Map<String, Percentile> byKey, Percentile p) {
        String key = p.jsonKey();
        Percentile before = byKey.put(key, p);
        assertThat(before).as("%s and %s share %s", before, p, key).isNull();
        String digits = key.substring(1, key.length() - "_ns".length());
        assertThat(Percentile.of(digits.substring(0, 2) + (digits.length() > 2 ? "." + digits.substring(2) : ""))).isEqualTo(p);
    }

    @Test
    void whatIsNotAPercentileListIsRefusedSayingWhy() {
        Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put("", "no percentile given");
        refusals.put("  ", "no percentile given");
        refusals.put("50,,99", "has an empty item");
        refusals.put("50,", "has an empty item");
        refusals.put("abc", "'abc' is not a percentile");
        refusals.put("99%", "'99%' is not a percentile");
        refusals.put("-5", "'-5' is not a percentile");
        refusals.put("1e1", "'1e1' is not a percentile");
        refusals.put(".5", "'.5' is not a percentile");
        refusals.put("5.", "'5.' is not a percentile");
        refusals.put("NaN", "'NaN' is not a percentile");
        refusals.put("0", "'0' is not above 0 and below 100 (p0 and p100 are min and max");
        refusals.put("0.000", "is not above 0 and below 100");
        refusals.put("100", "'100' is not above 0 and below 100");
        refusals.put("100.0", "is not above 0 and below 100");
        refusals.put("250", "is not above 0 and below 100");
        refusals.put("99.9999999", "'99.9999999' has more than 6 decimals");
        refusals.put("50,99,50", "names p50 twice");
        refusals.put("99.9,99.90", "names p99.9 twice");
        refusals.forEach((list, message) -> assertThatThrownBy(() -> Percentiles.parse(list)).as("'%s'", list)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message));
        assertThatThrownBy(() -> Percentiles.parse(null)).hasMessageContaining("no percentile given");
    }

    @Test
    void trailingZerosBeyondSixDecimalsAreTheSamePercentile() {
        assertThat(labels(Percentiles.parse("99.99990000"))).containsExactly("p99.9999");
    }
}
