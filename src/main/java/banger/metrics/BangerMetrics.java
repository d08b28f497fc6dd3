package banger.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;

/**
 * The daemon's meter registry, served in Prometheus text format by GET /metrics. One per daemon, handed to
 * whatever records into it (no global registry), so tests and benchmarks each get their own.
 */
public final class BangerMetrics implements AutoCloseable {

    /** Content type of {@link #scrape()}: Prometheus text 0.0.4 (the client's writer is not on the compile path). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // holds a GC notification listener that must be removed on close
    private final Optional<JvmGcMetrics> gc;

    /** @param jvm also publish heap, GC, thread, class-loading, CPU and uptime meters (config banger.metrics.jvm) */
    public BangerMetrics(boolean jvm) {
        if (jvm) {
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            JvmGcMetrics gcMetrics = new JvmGcMetrics();
            gcMetrics.bindTo(registry);
            gc = Optional.of(gcMetrics);
        } else {
            gc = Optional.empty();
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.ifPresent(JvmGcMetrics::close);
        registry.close();
    }
}
