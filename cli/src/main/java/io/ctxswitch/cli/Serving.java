package io.ctxswitch.cli;

import io.ctxswitch.core.run.TraceSession;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.exporter.ExporterInfo;
import io.ctxswitch.exporter.LatencyCollector;
import io.ctxswitch.exporter.MetricsServer;
import io.ctxswitch.exporter.ServeAddress;
import io.ctxswitch.exporter.ServeSecurity;

/**
 * {@code --serve}: the port is bound before the source starts (a port in use is said before anything
 * is loaded), the metrics are answered from the moment tracing has begun until it stops, and the
 * server is always closed. Wraps the console's listener, which still prints the notices.
 */
final class Serving implements TraceSession.Listener, AutoCloseable {
    private final TraceSession.Listener console;
    private final MetricsServer server;
    private final ServeAddress address;
    private final boolean perCpu;
    private final LatencyCollector.Breakdown breakdown;
    private final int maxNativeBuckets;
    private final String version;

    Serving(ServeAddress address, ServeSecurity security, TraceSession.Listener console, boolean perCpu, LatencyCollector.Breakdown breakdown,
            int maxNativeBuckets, String version) throws SourceException {
        this.console = console;
        this.perCpu = perCpu;
        this.breakdown = breakdown;
        this.maxNativeBuckets = maxNativeBuckets;
        this.version = version;
        this.address = address;
        this.server = MetricsServer.bind(address, security);
    }

    /**
     * What users scrape: the host as asked (the bound socket would say 0.0.0.0 as
     * [0:0:0:0:0:0:0:0] on a dual-stack JVM), with the port really bound.
     */
    String url() {
        return server.scheme() + "://" + new ServeAddress(address.host(), server.address().getPort()) + "/metrics";
    }

    @Override
    public void started(LatencySource source) {
        String description = source.probeDescription();
        String probe = description.split(" ", 2)[0];
        ExporterInfo info = new ExporterInfo(version, source.name(), probe, System.getProperty("os.version"));
        server.start(new LatencyCollector(source::cumulative, perCpu, breakdown, maxNativeBuckets, info));
        console.started(source);
    }

    @Override
    public void progress(long elapsedNs, long switches) {
        console.progress(elapsedNs, switches);
    }

    @Override
    public void stopped() {
        server.close(); // before the source is drained and closed: no scrape reads a closed source
        console.stopped();
    }

    @Override
    public void close() {
        server.close();
    }
}
