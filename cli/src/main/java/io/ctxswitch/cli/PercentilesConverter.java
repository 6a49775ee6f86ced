package io.ctxswitch.cli;

import io.ctxswitch.core.report.Percentiles;
import picocli.CommandLine;

/** {@code --percentiles=50,90,99,99.9}: what is wrong with a list is said by {@link Percentiles#parse}. */
final class PercentilesConverter implements CommandLine.ITypeConverter<Percentiles> {
    @Override
    public Percentiles convert(String text) {
        try {
            return Percentiles.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
