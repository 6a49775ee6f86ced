package io.ctxswitch.cli;

import io.ctxswitch.core.model.Outlier;
import io.ctxswitch.core.report.OutlierFormat;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Prints each {@code --slower} outlier on stdout as the source hands it over (from the source's own
 * thread, possibly while the session prints an interval: one whole line at a time), and counts them
 * for the summary's "printed".
 */
final class OutlierPrinter implements Consumer<Outlier> {
    private final PrintStream out;
    private final OutputFormat format;
    private final OutlierFormat lines;
    private final long thresholdNs;
    private long printed;

    OutlierPrinter(PrintStream out, OutputFormat format, long thresholdNs, java.time.ZoneId zone) {
        this.out = out;
        this.format = format;
        this.thresholdNs = thresholdNs;
        this.lines = new OutlierFormat(zone);
    }

    @Override
    public synchronized void accept(Outlier outlier) {
        if (format == OutputFormat.json) {
            out.println(lines.json(outlier));
        } else {
            if (printed == 0) {
                out.println(OutlierFormat.textHeader(thresholdNs));
            }
            out.println(lines.text(outlier));
        }
        out.flush();
        printed++;
    }

    synchronized long printed() {
        return printed;
    }
}
