package io.ctxswitch.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.TypeLiteral;
import io.ctxswitch.bpftrace.BpftraceModule;
import io.ctxswitch.bpftrace.BpftraceSettings;
import io.ctxswitch.core.report.heatmap.JsonReportReplay;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;
import io.ctxswitch.libbpf.LibbpfModule;
import io.ctxswitch.perf.PerfModule;
import io.ctxswitch.perf.PerfSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backends of this build by name, and the formats --replay reads, wired by Guice once the command
 * line has given the backends their own settings. Sources are constructed only when asked for.
 *
 * @param sources in order of preference for {@code --backend=auto}
 * @param formats the replay formats, tried in this order: ctxswitch's own JSON output first (a report,
 *                not a backend's trace, so core has it), then the backends'
 */
record Backends(Map<String, Provider<LatencySource>> sources, List<ReplayFormat> formats) {

    /**
     * The modules go in best first (Guice keeps a map binder's binding order): our own program
     * aggregating in the kernel, then bpftrace's, then perf's recording.
     */
    static Backends wire(PerfSettings perf, BpftraceSettings bpftrace) {
        Injector injector = Guice.createInjector(
                new LibbpfModule(), new BpftraceModule(bpftrace), new PerfModule(perf));
        List<ReplayFormat> formats = new ArrayList<>();
        formats.add(new JsonReportReplay.Format());
        formats.addAll(injector.getInstance(Key.get(new TypeLiteral<Set<ReplayFormat>>() { })));
        return new Backends(injector.getInstance(Key.get(new TypeLiteral<Map<String, Provider<LatencySource>>>() { })),
                List.copyOf(formats));
    }
}
