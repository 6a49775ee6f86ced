package io.ctxswitch.libbpf;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.ctxswitch.core.spi.LatencySource;

/** Registers the libbpf backend under its name. */
public final class LibbpfModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, LatencySource.class)
                .addBinding(LibbpfSource.NAME).to(LibbpfSource.class);
    }
}
