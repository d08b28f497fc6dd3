package banger.vm;

import banger.persistence.JournalFailures;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One VM. Its mailbox is the VM's lifecycle lock: a transition journals its intent, runs its side effects
 * through {@link VmRuntime} off the actor thread, and journals the outcome; lifecycle commands arriving
 * meanwhile are stashed. On recovery a VM that was running or mid-transition is checked against the host.
 * A creation can be cancelled while its start runs: the start is aborted and the VM deleted when it settles.
 */
public final class Vm extends EventSourcedBehavior<VmCommand, VmEvent, VmState> {

    /** Every VM event carries this tag; the event stream reads it. */
    public static final String TAG = "vm";
    public static final String ENTITY = "Vm";
    private static final String LIVENESS = "liveness";

    private final ActorContext<VmCommand> ctx;
    private final VmRuntime runtime;
    private final ActorRef<VmFleet.Command> fleet;
    private final TimerScheduler<VmCommand> timers;
    private final Duration livenessInterval;
    private final Clock clock;

    // Transient, actor-local: who waits for the transition in flight, and what follows it.
    private final List<ActorRef<StatusReply<VmView>>> waiting = new ArrayList<>();
    private final List<ActorRef<StatusReply<VmView>>> cancelWaiting = new ArrayList<>();
    private boolean cancelling;
    private boolean killingStart;
    private boolean restartAfterStop;
    private boolean recovering;
    private boolean probing;

    public static PersistenceId persistenceId(String vmId) {
        return PersistenceId.of(ENTITY, vmId);
    }

    public static Behavior<VmCommand> create(String vmId, VmRuntime runtime, ActorRef<VmFleet.Command> fleet,
                                             Duration livenessInterval, Clock clock) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx ->
                new Vm(vmId, ctx, timers, runtime, fleet, livenessInterval, clock)));
    }

    private Vm(String vmId, ActorContext<VmCommand> ctx, TimerScheduler<VmCommand> timers, VmRuntime runtime,
               ActorRef<VmFleet.Command> fleet, Duration livenessInterval, Clock clock) {
        super(persistenceId(vmId), JournalFailures.restartWithBackoff());
        this.ctx = ctx;
        this.timers = timers;
        this.runtime = runtime;
        this.fleet = fleet;
        this.livenessInterval = livenessInterval;
        this.clock = clock;
    }

    @Override
    public VmState emptyState() {
        return VmState.empty();
    }

    @Override
    public Set<String> tagsFor(VmEvent event) {
        return Set.of(TAG);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(25, 2);
    }

    @Override
    public SignalHandler<VmState> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), this::onRecovered)
                .build();
    }

    private void onRecovered(VmState state) {
        if (!state.exists()) {
            return;
        }
        publish(state);
        switch (state.phase()) {
            case STARTING, RUNNING, STOPPING -> {
                recovering = true;
                pipe(runtime.probe(state.spec()), (p, err) -> err == null
                        ? new VmCommand.Probed(p.alive(), p.pid(), p.detail(), true)
                        : new VmCommand.Probed(false, 0, err.getMessage(), true));
            }
            case DELETING -> {
                recovering = true;
                destroy(state);
            }
            // the daemon died between this VM's Deleted and the fleet's VmRemoved: finish the fleet's part
            case DELETED -> fleet.tell(new VmFleet.VmGone(state.spec().id(), state.spec().name()));
            default -> {
            }
        }
    }

    @Override
    public CommandHandler<VmCommand, VmEvent, VmState> commandHandler() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(VmCommand.Get.class, (s, c) -> {
                    if (s.exists()) {
                        c.replyTo().tell(s.view());
                    }
                    return Effect().none();
                })
                .onCommand(VmCommand.Create.class, this::onCreate)
                .onCommand(VmCommand.Start.class, (s, c) -> lifecycle(s, c.replyTo(), () -> onStart(s, c.replyTo())))
                .onCommand(VmCommand.Stop.class,
                        (s, c) -> lifecycle(s, c.replyTo(), () -> onStop(s, c.replyTo(), false)))
                .onCommand(VmCommand.Kill.class, this::onKill)
                .onCommand(VmCommand.Restart.class,
                        (s, c) -> lifecycle(s, c.replyTo(), () -> onRestart(s, c.replyTo())))
                .onCommand(VmCommand.Delete.class, (s, c) -> {
                    if (s.phase() == VmPhase.DELETING && !cancelling) {
                        waiting.add(c.replyTo());
                        return Effect().none();
                    }
                    return lifecycle(s, c.replyTo(), () -> onDelete(s, c.replyTo()));
                })
                .onCommand(VmCommand.Reconfigure.class, this::onReconfigure)
                .onCommand(VmCommand.CancelCreate.class, this::onCancelCreate)
                .onCommand(VmCommand.AbortCompleted.class, (s, c) -> {
                    if (c.failure() != null) {
                        ctx.getLog().warn("VM {}: aborting its start failed: {}", s.spec().name(), c.failure());
                    }
                    return Effect().none();
                })
                .onCommand(VmCommand.StartCompleted.class, this::onStartCompleted)
                .onCommand(VmCommand.StopCompleted.class, this::onStopCompleted)
                .onCommand(VmCommand.DeleteCompleted.class, this::onDeleteCompleted)
                .onCommand(VmCommand.Probed.class, this::onProbed)
                .onCommand(VmCommand.LivenessTick.class, this::onLivenessTick)
                .build();
    }

    @Override
    public EventHandler<VmState, VmEvent> eventHandler() {
        return newEventHandlerBuilder()
                .forAnyState()
                .onAnyEvent(VmState::apply);
    }

    /** Lifecycle commands wait while a transition (or the post-restart host check) is in flight. */
    private Effect<VmEvent, VmState> lifecycle(VmState s, ActorRef<StatusReply<VmView>> replyTo,
                                               java.util.function.Supplier<Effect<VmEvent, VmState>> run) {
        if (s.phase() == VmPhase.DELETING || s.phase() == VmPhase.DELETED) {
            // a VM on its way out answers at once: stashed commands would be dropped when it stops
            replyTo.tell(StatusReply.error(new RequestRejected(RequestRejected.Reason.NOT_FOUND,
                    "VM " + s.spec().name() + " is being deleted")));
            return Effect().none();
        }
        if (s.phase().transitional() || recovering) {
            return Effect().stash();
        }
        return run.get();
    }

    private Effect<VmEvent, VmState> onCreate(VmState s, VmCommand.Create c) {
        if (s.exists()) {
            c.replyTo().tell(StatusReply.error(new RequestRejected(RequestRejected.Reason.CONFLICT,
                    "VM " + s.spec().name() + " already exists")));
            return Effect().none();
        }
        VmEvent created = new VmEvent.Created(c.spec(), clock.instant());
        if (!c.start()) {
            return Effect().persist(created).thenRun(this::publish).thenReply(c.replyTo(), st -> StatusReply.success(st.view()));
        }
        waiting.add(c.replyTo());
        return Effect().persist(List.of(created, new VmEvent.StartRequested(clock.instant())))
                .thenRun(this::publish)
                .thenRun(this::launch);
    }

    private Effect<VmEvent, VmState> onStart(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        if (s.phase() == VmPhase.RUNNING) {
            replyTo.tell(StatusReply.success(s.view()));
            return Effect().none();
        }
        waiting.add(replyTo);
        return Effect().persist(new VmEvent.StartRequested(clock.instant()))
                .thenRun(this::publish)
                .thenRun(this::launch);
    }

    private Effect<VmEvent, VmState> onStop(VmState s, ActorRef<StatusReply<VmView>> replyTo, boolean force) {
        if (s.phase() != VmPhase.RUNNING) {
            replyTo.tell(StatusReply.success(s.view()));
            return Effect().none();
        }
        waiting.add(replyTo);
        return Effect().persist(new VmEvent.StopRequested(force, clock.instant()))
                .thenRun(this::publish)
                .thenRun(st -> halt(st, force, force ? "killed" : "stopped on request"));
    }

    private Effect<VmEvent, VmState> onRestart(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        if (s.phase() != VmPhase.RUNNING) {
            return onStart(s, replyTo);
        }
        restartAfterStop = true;
        waiting.add(replyTo);
        return Effect().persist(new VmEvent.StopRequested(false, clock.instant()))
                .thenRun(this::publish)
                .thenRun(st -> halt(st, false, "stopped for restart"));
    }

    private Effect<VmEvent, VmState> onDelete(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        waiting.add(replyTo);
        return Effect().persist(new VmEvent.DeleteRequested(clock.instant()))
                .thenRun(this::publish)
                .thenRun(this::destroy);
    }

    private Effect<VmEvent, VmState> onReconfigure(VmState s, VmCommand.Reconfigure c) {
        PatchVmRequest p = c.patch();
        VmSpec spec = s.spec();
        int vcpus = p.vcpus() != null ? p.vcpus() : spec.vcpus();
        int memory = p.memoryMib() != null ? p.memoryMib() : spec.memoryMib();
        int disk = p.diskMib() != null ? p.diskMib() : spec.diskMib();
        boolean resizes = vcpus != spec.vcpus() || memory != spec.memoryMib() || disk != spec.diskMib();
        if (resizes && (!s.phase().quiescent() || recovering)) {
            c.replyTo().tell(StatusReply.error(new RequestRejected(RequestRejected.Reason.CONFLICT,
                    "VM " + spec.name() + " is " + s.phase().wireName()
                            + "; vcpus, memory and disk can change only while it is stopped")));
            return Effect().none();
        }
        if (disk < spec.diskMib()) {
            c.replyTo().tell(StatusReply.error(new RequestRejected(RequestRejected.Reason.INVALID,
                    "disk_mib can only grow (now " + spec.diskMib() + ")")));
            return Effect().none();
        }
        Map<String, String> labels = new HashMap<>(spec.labels());
        if (p.labels() != null) {
            p.labels().forEach((k, v) -> {
                if (v == null || v.isEmpty()) {
                    labels.remove(k);
                } else {
                    labels.put(k, v);
                }
            });
        }
        if (!resizes && labels.equals(spec.labels())) {
            c.replyTo().tell(StatusReply.success(s.view()));
            return Effect().none();
        }
        return Effect().persist(new VmEvent.Reconfigured(vcpus, memory, disk, Map.copyOf(labels), clock.instant()))
                .thenRun(this::publish)
                .thenReply(c.replyTo(), st -> StatusReply.success(st.view()));
    }

    private Effect<VmEvent, VmState> onCancelCreate(VmState s, VmCommand.CancelCreate c) {
        if (cancelling) {
            cancelWaiting.add(c.replyTo());
            return Effect().none();
        }
        if (!s.exists() || s.phase() != VmPhase.STARTING || recovering || killingStart) {
            String what = s.exists() ? "VM " + s.spec().name() + " is " + s.phase().wireName()
                    : "the VM does not exist";
            c.replyTo().tell(StatusReply.error(new RequestRejected(RequestRejected.Reason.CONFLICT,
                    what + "; there is no creation in flight to cancel")));
            return Effect().none();
        }
        cancelling = true;
        cancelWaiting.add(c.replyTo());
        return Effect().persist(new VmEvent.CreateCancelled(clock.instant()))
                .thenRun(this::publish)
                .thenRun(this::abortStart);
    }

    /** A kill does not wait for a boot in flight: it aborts the start, and is answered once the VM stopped. */
    private Effect<VmEvent, VmState> onKill(VmState s, VmCommand.Kill c) {
        if (s.phase() == VmPhase.STARTING && !recovering && !cancelling) {
            if (!killingStart) {
                killingStart = true;
                abortStart(s);
            }
            return Effect().stash();
        }
        return lifecycle(s, c.replyTo(), () -> onStop(s, c.replyTo(), true));
    }

    private void abortStart(VmState s) {
        // the abort may finish after this VM has stopped, and Pekko's dead-letter logging fails with a
        // NullPointerException on a null result (a CompletionStage<Void>'s), so it completes with Done
        pipe(runtime.abort(s.spec()).thenApply(v -> Done.getInstance()),
                (v, err) -> new VmCommand.AbortCompleted(err == null ? null : describe(err)));
    }

    private Effect<VmEvent, VmState> onStartCompleted(VmState s, VmCommand.StartCompleted c) {
        if (cancelling) {
            // whatever the aborted start achieved, the VM goes; CreateCancelled already journaled that intent
            destroy(s);
            return Effect().none();
        }
        if (s.phase() != VmPhase.STARTING) {
            return Effect().none();
        }
        if (killingStart) {
            if (c.failure() == null) {
                // the boot finished just before the abort: stop what it started, then the kill finds it stopped
                halt(s, true, "killed while starting");
                return Effect().none();
            }
            killingStart = false;
            return Effect().persist(new VmEvent.Stopped("killed while starting", clock.instant()))
                    .thenRun(this::publish)
                    .thenRun(st -> answerWaiting(st, "killed while starting"))
                    .thenUnstashAll();
        }
        VmEvent outcome = c.failure() == null
                ? new VmEvent.Started(c.pid(), clock.instant())
                : new VmEvent.StartFailed(c.failure(), clock.instant());
        return Effect().persist(outcome)
                .thenRun(this::publish)
                .thenRun(st -> answerWaiting(st, c.failure()))
                .thenUnstashAll();
    }

    private Effect<VmEvent, VmState> onStopCompleted(VmState s, VmCommand.StopCompleted c) {
        recovering = false;
        killingStart = false;
        String reason = c.failure() == null ? c.reason() : c.reason() + " (cleanup: " + c.failure() + ")";
        VmEvent stopped = new VmEvent.Stopped(reason, clock.instant());
        if (restartAfterStop) {
            restartAfterStop = false;
            return Effect().persist(List.of(stopped, new VmEvent.StartRequested(clock.instant())))
                    .thenRun(this::publish)
                    .thenRun(this::launch);
        }
        return Effect().persist(stopped)
                .thenRun(this::publish)
                .thenRun(st -> answerWaiting(st, null))
                .thenUnstashAll();
    }

    private Effect<VmEvent, VmState> onDeleteCompleted(VmState s, VmCommand.DeleteCompleted c) {
        recovering = false;
        if (c.failure() != null) {
            ctx.getLog().warn("VM {}: cleanup during delete was incomplete: {}", s.spec().name(), c.failure());
        }
        return Effect().persist(new VmEvent.Deleted(clock.instant()))
                .thenRun(this::publish)
                .thenRun(st -> {
                    if (cancelling) {
                        answerCancelled(st);
                    } else {
                        answerWaiting(st, null);
                    }
                    fleet.tell(new VmFleet.VmGone(st.spec().id(), st.spec().name()));
                })
                .thenStop();
    }

    private Effect<VmEvent, VmState> onProbed(VmState s, VmCommand.Probed c) {
        probing = false;
        if (c.recovery()) {
            if (c.alive() && s.phase() != VmPhase.STOPPING) {
                recovering = false;
                return Effect().persist(new VmEvent.Adopted(c.pid(), clock.instant()))
                        .thenRun(this::publish)
                        .thenUnstashAll();
            }
            String reason = c.alive() ? "stop resumed after daemon restart"
                    : "VMM not running after daemon restart: " + c.detail();
            halt(s, !c.alive(), reason);
            return Effect().none();
        }
        if (s.phase() == VmPhase.RUNNING && !c.alive()) {
            return Effect().persist(new VmEvent.StopRequested(true, clock.instant()))
                    .thenRun(this::publish)
                    .thenRun(st -> halt(st, true, "VMM exited unexpectedly: " + c.detail()));
        }
        return Effect().none();
    }

    private Effect<VmEvent, VmState> onLivenessTick(VmState s, VmCommand.LivenessTick c) {
        if (s.phase() == VmPhase.RUNNING && !recovering && !probing) {
            probing = true;
            pipe(runtime.probe(s.spec()), (p, err) -> err == null
                    ? new VmCommand.Probed(p.alive(), p.pid(), p.detail(), false)
                    : new VmCommand.Probed(true, 0, err.getMessage(), false));
        }
        return Effect().none();
    }

    private void launch(VmState s) {
        pipe(runtime.start(s.spec()), (launched, err) -> err == null
                ? new VmCommand.StartCompleted(launched.pid(), null)
                : new VmCommand.StartCompleted(0, describe(err)));
    }

    private void halt(VmState s, boolean force, String reason) {
        pipe(runtime.stop(s.spec(), force), (r, err) -> new VmCommand.StopCompleted(
                r == null || r.isBlank() ? reason : reason + ": " + r, err == null ? null : describe(err)));
    }

    private void destroy(VmState s) {
        pipe(runtime.destroy(s.spec()), (v, err) -> new VmCommand.DeleteCompleted(err == null ? null : describe(err)));
    }

    private <T> void pipe(CompletionStage<T> stage, java.util.function.BiFunction<T, Throwable, VmCommand> adapt) {
        ctx.pipeToSelf(stage, adapt::apply);
    }

    /** Tells the fleet the VM's new view, and keeps the liveness probe running exactly while the VM runs. */
    private void publish(VmState s) {
        fleet.tell(new VmFleet.VmChanged(s.view()));
        boolean ticking = timers.isTimerActive(LIVENESS);
        if (s.phase() == VmPhase.RUNNING && !ticking) {
            timers.startTimerWithFixedDelay(LIVENESS, new VmCommand.LivenessTick(), livenessInterval);
        } else if (s.phase() != VmPhase.RUNNING && ticking) {
            timers.cancel(LIVENESS);
        }
    }

    private void answerWaiting(VmState s, String failure) {
        for (ActorRef<StatusReply<VmView>> r : waiting) {
            if (failure == null) {
                r.tell(StatusReply.success(s.view()));
            } else {
                r.tell(StatusReply.error(new RequestRejected(RequestRejected.Reason.OPERATION_FAILED,
                        "VM " + s.spec().name() + " failed to start: " + failure)));
            }
        }
        waiting.clear();
    }

    private void answerCancelled(VmState s) {
        RequestRejected cancelled = new RequestRejected(RequestRejected.Reason.CONFLICT,
                "the creation of VM " + s.spec().name() + " was cancelled");
        waiting.forEach(r -> r.tell(StatusReply.error(cancelled)));
        waiting.clear();
        cancelWaiting.forEach(r -> r.tell(StatusReply.success(s.view())));
        cancelWaiting.clear();
    }

    private static String describe(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
