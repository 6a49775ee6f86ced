package io.ctxswitch.perf;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ReplayFormat;

/** Registers the perf backend with its own settings, and perf's formats for --replay. */
public final class PerfModule extends AbstractModule {
    private final PerfSettings settings;

    public PerfModule(PerfSettings settings) {
        this.settings = settings;
    }

    @Override
    protected void configure() {
        bind(PerfSettings.class).toInstance(settings);
        MapBinder.newMapBinder(binder(), String.class, LatencySource.class).addBinding(PerfSource.NAME).to(PerfSource.class);
        Multibinder<ReplayFormat> formats = Multibinder.newSetBinder(binder(), ReplayFormat.class);
        formats.addBinding().to(PerfDataFormat.class);
        formats.addBinding().to(PerfScriptFormat.class);
    }
}
