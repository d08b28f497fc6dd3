package banger.metrics;

import banger.vm.admission.BootAdmission;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** Boot admission figures in /metrics: boots running, boots waiting for a slot, and how long they waited. */
public final class AdmissionGauges {

    public static final String BOOTS_RUNNING = "banger.boots.running";
    public static final String BOOTS_QUEUED = "banger.boots.queued";
    public static final String ADMISSION_WAIT = "banger.boots.admission.wait";

    private AdmissionGauges() {
    }

    public static void register(BootAdmission boots, MeterRegistry registry) {
        Gauge.builder(BOOTS_RUNNING, boots, BootAdmission::booting)
                .description("VM boots in progress (at most banger.admission.max-concurrent-boots)")
                .strongReference(true).register(registry);
        Gauge.builder(BOOTS_QUEUED, boots, BootAdmission::queued)
                .description("VM boots waiting for a boot slot, in the order they were asked for")
                .strongReference(true).register(registry);
        Timer waits = Timer.builder(ADMISSION_WAIT)
                .description("How long each VM boot waited for a boot slot")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        boots.observeWaits(waits::record);
    }
}
