package banger.metrics;

import banger.network.TapPoolCommand;
import banger.network.TapPoolStatus;
import banger.vm.VmControl;
import banger.vm.VmPhase;
import banger.wire.VmView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Keeps the VM-state gauges ({@value #VMS}, one series per state) and the TAP pool gauges ({@value #TAPS} by
 * status, {@value #TAP_TARGET}) current by asking the fleet (through {@link VmControl#list()}) and the pool on a
 * timer. Gauges are read at scrape time from atomics this actor alone writes, so a scrape never waits on an
 * actor. A poll still in flight when the timer fires is not doubled; a failed poll keeps the last values.
 */
public final class FleetGauges {

    public static final String VMS = "banger.vms";
    public static final String TAPS = "banger.tap.pool.taps";
    public static final String TAP_TARGET = "banger.tap.pool.target";

    public sealed interface Command {
    }

    record Poll() implements Command {
    }

    record VmsListed(List<VmView> vms, Throwable failure) implements Command {
    }

    record TapsRead(TapPoolStatus status, Throwable failure) implements Command {
    }

    private final ActorContext<Command> ctx;
    private final VmControl control;
    private final Optional<ActorRef<TapPoolCommand>> taps;
    private final Duration askTimeout;
    private final Map<VmPhase, AtomicLong> vmsByPhase = new EnumMap<>(VmPhase.class);
    private final AtomicLong idleTaps = new AtomicLong();
    private final AtomicLong lentTaps = new AtomicLong();
    private final AtomicLong creatingTaps = new AtomicLong();
    private final AtomicLong tapTarget = new AtomicLong();
    private boolean listing;
    private boolean readingTaps;

    /** @param taps the TAP pool, when networking is on; without it no TAP gauges are registered */
    public static Behavior<Command> create(VmControl control, Optional<ActorRef<TapPoolCommand>> taps,
                                           MeterRegistry registry, Duration interval, Duration askTimeout) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(new Poll(), Duration.ZERO, interval);
            return new FleetGauges(ctx, control, taps, registry, askTimeout).behavior();
        }));
    }

    private FleetGauges(ActorContext<Command> ctx, VmControl control, Optional<ActorRef<TapPoolCommand>> taps,
                        MeterRegistry registry, Duration askTimeout) {
        this.ctx = ctx;
        this.control = control;
        this.taps = taps;
        this.askTimeout = askTimeout;
        for (VmPhase phase : VmPhase.values()) {
            AtomicLong count = new AtomicLong();
            vmsByPhase.put(phase, count);
            Gauge.builder(VMS, count, AtomicLong::get).description("VMs by lifecycle state")
                    .tag("state", phase.wireName()).strongReference(true).register(registry);
        }
        if (taps.isPresent()) {
            tapGauge(registry, "idle", idleTaps);
            tapGauge(registry, "lent", lentTaps);
            tapGauge(registry, "creating", creatingTaps);
            Gauge.builder(TAP_TARGET, tapTarget, AtomicLong::get).description("Idle TAP devices the pool keeps ready")
                    .strongReference(true).register(registry);
        }
    }

    private static void tapGauge(MeterRegistry registry, String status, AtomicLong value) {
        Gauge.builder(TAPS, value, AtomicLong::get).description("TAP devices in the pool, by status")
                .tag("status", status).strongReference(true).register(registry);
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(Poll.class, p -> onPoll())
                .onMessage(VmsListed.class, this::onVmsListed)
                .onMessage(TapsRead.class, this::onTapsRead)
                .build();
    }

    private Behavior<Command> onPoll() {
        if (!listing) {
            listing = true;
            ctx.pipeToSelf(control.list(), VmsListed::new);
        }
        if (taps.isPresent() && !readingTaps) {
            readingTaps = true;
            ctx.ask(TapPoolStatus.class, taps.get(), askTimeout, TapPoolCommand.GetStatus::new, TapsRead::new);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onVmsListed(VmsListed listed) {
        listing = false;
        if (listed.failure() != null) {
            ctx.getLog().warn("VM state gauges not refreshed: {}", listed.failure().getMessage());
            return Behaviors.same();
        }
        Map<VmPhase, Long> counts = new EnumMap<>(VmPhase.class);
        for (VmView vm : listed.vms()) {
            counts.merge(VmPhase.fromWire(vm.state()), 1L, Long::sum);
        }
        vmsByPhase.forEach((phase, gauge) -> gauge.set(counts.getOrDefault(phase, 0L)));
        return Behaviors.same();
    }

    private Behavior<Command> onTapsRead(TapsRead read) {
        readingTaps = false;
        if (read.failure() != null) {
            ctx.getLog().warn("TAP pool gauges not refreshed: {}", read.failure().getMessage());
            return Behaviors.same();
        }
        idleTaps.set(read.status().idle());
        lentTaps.set(read.status().lent().size());
        creatingTaps.set(read.status().creating());
        tapTarget.set(read.status().target());
        return Behaviors.same();
    }
}
