package banger.metrics;

import banger.vm.Vm;
import banger.vm.VmEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Meters read from the journaled VM events (the "vm" tag), so they are exactly what was persisted and the VM
 * actors carry no metrics code: boot time ({@value #BOOT_TIMER}, StartRequested to Started by the events'
 * timestamps), start failures ({@value #START_FAILURES}) and events by type ({@value #EVENTS}).
 *
 * <p>The journal has no "latest offset" query, so the stream reads from the start and skips events from before
 * {@code since} (the daemon's start): a one-off replay, paged by the read journal.
 */
public final class VmEventMeter {

    public static final String BOOT_TIMER = "banger.vm.boot";
    public static final String START_FAILURES = "banger.vm.start.failures";
    public static final String EVENTS = "banger.vm.events";

    private final MeterRegistry registry;
    private final Instant since;
    private final Timer boot;
    private final Counter startFailures;
    // touched only by the stream's sink, one event at a time
    private final Map<String, Instant> startsInFlight = new HashMap<>();
    // read by the restarted source to resume where the failed one stopped
    private volatile long lastOffset;

    VmEventMeter(MeterRegistry registry, Instant since) {
        this.registry = registry;
        this.since = since;
        this.boot = Timer.builder(BOOT_TIMER)
                .description("VM boot: StartRequested to Started, by the journaled events' timestamps")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        this.startFailures = Counter.builder(START_FAILURES)
                .description("Starts that ended in StartFailed")
                .register(registry);
    }

    /**
     * Meters every VM event journaled from {@code since} on until the returned switch is shut down (or the
     * system terminates). A failed journal read is retried with backoff from the last event metered.
     */
    public static UniqueKillSwitch run(EventsByTagQuery journal, MeterRegistry registry, Instant since,
                                       ActorSystem<?> system) {
        VmEventMeter meter = new VmEventMeter(registry, since);
        return RestartSource.onFailuresWithBackoff(
                        RestartSettings.create(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2),
                        () -> journal.eventsByTag(Vm.TAG, Offset.sequence(meter.lastOffset)))
                .viaMat(KillSwitches.single(), Keep.right())
                .toMat(Sink.foreach(meter::record), Keep.left())
                .run(system);
    }

    void record(EventEnvelope envelope) {
        if (envelope.offset() instanceof Sequence sequence) {
            lastOffset = sequence.value();
        }
        if (envelope.event() instanceof VmEvent event && !event.at().isBefore(since)) {
            record(envelope.persistenceId(), event);
        }
    }

    private void record(String vm, VmEvent event) {
        Counter.builder(EVENTS).description("VM events journaled, by type")
                .tag("type", VmEvent.typeName(event)).register(registry).increment();
        if (event instanceof VmEvent.StartRequested) {
            startsInFlight.put(vm, event.at());
        } else if (event instanceof VmEvent.Started) {
            Instant requested = startsInFlight.remove(vm);
            if (requested != null) {
                boot.record(Duration.between(requested, event.at()));
            }
        } else if (event instanceof VmEvent.StartFailed) {
            startsInFlight.remove(vm);
            startFailures.increment();
        } else if (!(event instanceof VmEvent.Reconfigured || event instanceof VmEvent.SessionEvent)) {
            // a start that ended otherwise (stopped, cancelled, adopted, deleted) is no boot to time
            startsInFlight.remove(vm);
        }
    }
}
