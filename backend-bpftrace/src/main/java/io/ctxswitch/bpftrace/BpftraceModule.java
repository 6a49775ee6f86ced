package io.ctxswitch.bpftrace;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;

/** Registers the bpftrace backend with its own settings, and its output for --replay. */
public final class BpftraceModule extends AbstractModule {
    private final BpftraceSettings settings;

    public BpftraceModule(BpftraceSettings settings) {
        this.settings = settings;
    }

    @Override
    protected void configure() {
        bind(BpftraceSettings.class).toInstance(settings);
        MapBinder.newMapBinder(binder(), String.class, LatencySource.class).addBinding(BpftraceSource.NAME).to(BpftraceSource.class);
        Multibinder.newSetBinder(binder(), ReplayFormat.class).addBinding().to(BpftraceReplay.class);
    }
}
