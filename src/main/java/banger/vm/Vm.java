package banger.vm;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.persistence.CompactionRule;
import banger.persistence.JournalCompactor;
import banger.persistence.JournalFailures;
import banger.wire.LastStartView;
import banger.wire.PatchVmRequest;
import banger.wire.VmView;
import banger.wire.EgressPolicy;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.japi.function.Procedure;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One VM. Its mailbox is the VM's lifecycle lock: a transition journals its intent, runs its side effects through
 * {@link VmRuntime} off the actor thread, and journals the outcome; lifecycle commands arriving meanwhile are
 * stashed. Command handlers are grouped by phase (see {@link #commandHandler()}); the transition in flight, who
 * waits for it and what was asked of it meanwhile is one {@link Transition}. On recovery a VM that was running or
 * mid-transition is checked against the host first. A creation can be cancelled while its start runs: the start is
 * aborted and the VM deleted when it settles. Per-VM children ({@link VmChildKind}) live beside the state machine.
 */
public final class Vm extends EventSourcedBehaviorWithEnforcedReplies<Vm.Message, VmEvent, VmState> {

    /** Everything the actor handles: the public {@link VmCommand}s and its own private messages. */
    interface Message {
    }

    // Results of side effects and timers, piped back to the actor itself.

    private record StartCompleted(long pid, String failure, String step, boolean warm, String coldBootReason)
            implements Message {

        StartCompleted(long pid, String failure, String step) {
            this(pid, failure, step, false, null);
        }
    }

    private record StopCompleted(String reason, String failure) implements Message {
    }

    private record DeleteCompleted(String failure) implements Message {
    }

    private record AbortCompleted(String failure) implements Message {
    }

    private record Probed(VmRuntime.Liveness liveness, long pid, String detail, boolean recovery) implements Message {

        boolean alive() {
            return liveness == VmRuntime.Liveness.ALIVE;
        }
    }

    /** A liveness probe is due; {@code exitSeen} when the VMM's exit socket has just closed. */
    private record LivenessTick(boolean exitSeen) implements Message {
    }

    private record ChildStopped(String kind) implements Message {
    }

    /** A suspend finished: {@code bytes} of state saved, or why it failed. */
    private record SuspendCompleted(long bytes, String failure) implements Message {
    }

    /** After a failed suspend: whether the VMM survived it. */
    private record SuspendProbed(String failure, VmRuntime.Liveness liveness, String detail) implements Message {
    }

    /** A pause or resume of the VMM finished. */
    private record Switched(boolean paused, String failure) implements Message {
    }

    /**
     * The transition in flight. {@code waiters} hear its outcome; {@code cancellers} (CANCEL_CREATE only) hear that
     * the VM is gone, while the waiters hear that its creation was cancelled.
     */
    private record Transition(Kind kind, List<ActorRef<StatusReply<VmView>>> waiters,
                              List<ActorRef<StatusReply<VmView>>> cancellers) {

        enum Kind {
            /** The VM boots. */
            START,
            /** A Kill arrived during the boot: the boot is aborted, then the VM is stopped, then the kill answers. */
            KILL_START,
            /** The creation was cancelled during its boot: the boot is aborted, then the VM is deleted. */
            CANCEL_CREATE,
            STOP,
            /** A stop, then a start, for the same waiters. */
            RESTART,
            DELETE,
            /** After a daemon restart: the host is checked for the VM's VMM (and the VM stopped if it is gone). */
            RECOVER,
            /** The VMM freezes or unfreezes the guest's vCPUs. */
            PAUSE,
            RESUME,
            /** The VM's state is saved to disk and its VMM ended (also: finishing one a daemon restart interrupted). */
            SUSPEND
        }

        static Transition of(Kind kind, ActorRef<StatusReply<VmView>> waiter) {
            return new Transition(kind, waiter == null ? List.of() : List.of(waiter), List.of());
        }

        Transition as(Kind next) {
            return new Transition(next, waiters, cancellers);
        }

        Transition withWaiter(ActorRef<StatusReply<VmView>> waiter) {
            List<ActorRef<StatusReply<VmView>>> all = new ArrayList<>(waiters);
            all.add(waiter);
            return new Transition(kind, List.copyOf(all), cancellers);
        }

        Transition withCanceller(ActorRef<StatusReply<VmView>> canceller) {
            List<ActorRef<StatusReply<VmView>>> all = new ArrayList<>(cancellers);
            all.add(canceller);
            return new Transition(kind, waiters, List.copyOf(all));
        }

        boolean is(Kind k) {
            return kind == k;
        }
    }

    /** A live child of one kind; typed so phase changes reach it in its own protocol. */
    private record LiveChild<M>(VmChildKind<M> kind, ActorRef<M> ref) {

        void tellPhase(VmPhase phase) {
            M message = kind.phaseChanged(phase);
            if (message != null) {
                ref.tell(message);
            }
        }
    }

    /** Every VM event carries this tag; the event stream reads it. */
    public static final String TAG = "vm";
    public static final String ENTITY = "Vm";
    private static final String LIVENESS = "liveness";
    /**
     * After the exit socket closes, the process may still show as running for a moment (its files are released
     * before it becomes a zombie): re-probe this often, this many times, before trusting that it lives on.
     */
    private static final Duration EXIT_RECHECK_INTERVAL = Duration.ofMillis(50);
    private static final int EXIT_RECHECKS = 40;
    private static final Pattern GUEST_EVENT_TYPE = Pattern.compile("[A-Z][A-Za-z0-9]{1,63}");
    private static final Set<String> OWN_EVENT_TYPES = Arrays.stream(VmEvent.class.getPermittedSubclasses())
            .map(Class::getSimpleName).collect(Collectors.toUnmodifiableSet());

    private final ActorContext<Message> ctx;
    private final VmRuntime runtime;
    private final ActorRef<VmFleet.Command> fleet;
    private final TimerScheduler<Message> timers;
    private final Duration livenessInterval;
    /** Re-probes left since the exit socket closed on a VMM that still looked alive; 0 when none is pending. */
    private int exitRechecksLeft;
    private final Clock clock;
    private final String vmId;
    /**
     * True only until the first recovery of a VM spawned for a create; after that (a restart because the Created write
     * failed, or a VM spawned to be recovered) recovering empty means its Created was never written.
     */
    private boolean awaitingCreate;
    private final Map<String, VmChildKind<?>> childKinds = new HashMap<>();
    private final ExpiryWatch expiry;

    // Actor-local and transient: the transition in flight (null when none), and the live children by kind.
    private Transition inFlight;
    /** The suspend in flight was resumed by recovery: the VM's exit watch has to be set again should it fail. */
    private boolean recoveredSuspend;
    /** The expiry rule whose suspend is in flight, or null: should the suspend fail, the VM is stopped instead. */
    private String expiringRule;
    private final Map<String, LiveChild<?>> children = new HashMap<>();

    /**
     * Which VM journals {@link JournalCompactor} shrinks: those of deleted VMs, down to their {@code Deleted}
     * event, {@code banger.compaction.deleted-vm-retention} after it.
     */
    public static CompactionRule compactionRule(Config banger) {
        Config c = banger.getConfig("compaction");
        return new CompactionRule(ENTITY + "|", VmEvent.Deleted.class.getName(),
                c.getDuration("deleted-vm-retention"), c.getInt("max-deleted-vm-tombstones"));
    }

    public static PersistenceId persistenceId(String vmId) {
        return PersistenceId.of(ENTITY, vmId);
    }

    public static Behavior<VmCommand> create(String vmId, VmRuntime runtime, ActorRef<VmFleet.Command> fleet,
                                             Duration livenessInterval, Clock clock) {
        return create(vmId, runtime, fleet, VmChildren.NONE, livenessInterval, clock);
    }

    public static Behavior<VmCommand> create(String vmId, VmRuntime runtime, ActorRef<VmFleet.Command> fleet,
                                             VmChildren children, Duration livenessInterval, Clock clock) {
        return create(vmId, runtime, fleet, children, livenessInterval, clock, true);
    }

    /**
     * @param awaitingCreate true when a {@link VmCommand.Create} follows (a new VM); false when the VM is only
     *                       recovered, so finding no Created in its journal tells the fleet it was never created
     */
    static Behavior<VmCommand> create(String vmId, VmRuntime runtime, ActorRef<VmFleet.Command> fleet,
                                      VmChildren children, Duration livenessInterval, Clock clock,
                                      boolean awaitingCreate) {
        Behavior<Message> vm = Behaviors.withTimers(timers -> Behaviors.setup(ctx ->
                new Vm(vmId, ctx, timers, runtime, fleet, children, livenessInterval, clock, awaitingCreate)));
        return vm.narrow();
    }

    private Vm(String vmId, ActorContext<Message> ctx, TimerScheduler<Message> timers, VmRuntime runtime,
               ActorRef<VmFleet.Command> fleet, VmChildren children, Duration livenessInterval, Clock clock,
               boolean awaitingCreate) {
        super(persistenceId(vmId), JournalFailures.restartWithBackoff());
        this.vmId = vmId;
        this.awaitingCreate = awaitingCreate;
        this.ctx = ctx;
        this.timers = timers;
        this.runtime = runtime;
        this.fleet = fleet;
        this.livenessInterval = livenessInterval;
        this.clock = clock;
        this.expiry = new ExpiryWatch(timers, clock);
        children.kinds().forEach(k -> childKinds.put(k.name(), k));
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
    public EventHandler<VmState, VmEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(VmState::apply);
    }

    @Override
    public SignalHandler<VmState> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), this::onRecovered)
                .build();
    }

    private void onRecovered(VmState state) {
        boolean createFollows = awaitingCreate;
        awaitingCreate = false;
        if (!state.exists()) {
            if (!createFollows) {
                // the fleet registered this VM but its Created never reached the journal (a kill or a failed write
                // between the two): the fleet takes the registration back
                fleet.tell(new VmFleet.NeverCreated(vmId));
            }
            return;
        }
        fleet.tell(new VmFleet.VmChanged(state.view()));
        switch (state.phase()) {
            case STARTING, RUNNING, PAUSED, STOPPING, UNKNOWN -> {
                inFlight = Transition.of(Transition.Kind.RECOVER, null);
                pipe(runtime.probe(state.spec()), (p, err) -> err == null
                        ? new Probed(p.liveness(), p.pid(), p.detail(), true)
                        : new Probed(VmRuntime.Liveness.DEAD, 0, err.getMessage(), true));
            }
            case DELETING -> {
                inFlight = Transition.of(Transition.Kind.DELETE, null);
                destroy(state);
            }
            // the suspend goes on: a VMM still there is saved again; a complete state without a VMM is the outcome
            case SUSPENDING -> {
                inFlight = Transition.of(Transition.Kind.SUSPEND, null);
                recoveredSuspend = true;
                save(state);
            }
            // the daemon died between this VM's Deleted and the fleet's VmRemoved: finish the fleet's part
            case DELETED -> {
                // a compacted journal holds only the Deleted tombstone: nothing is left to finish
                if (state.exists()) {
                    fleet.tell(new VmFleet.VmGone(state.spec().id(), state.spec().name()));
                }
            }
            default -> {
            }
        }
    }

    // ---- command handlers, by phase. For each command the first group whose state matches and that handles the
    // command wins; the last group answers what every phase answers alike.

    @Override
    public CommandHandlerWithReply<Message, VmEvent, VmState> commandHandler() {
        CommandHandlerWithReplyBuilder<Message, VmEvent, VmState> b = newCommandHandlerWithReplyBuilder();
        b.forState(s -> !s.exists())
                .onCommand(VmCommand.Create.class, this::onCreate)
                .onCommand(VmCommand.class::isInstance, (s, c) -> refuse(c, notFound()));
        b.forState(s -> recovering())
                .onCommand(m -> isLifecycle(m) || m instanceof VmCommand.Suspend, (s, c) -> Effect().stash())
                .onCommand(Probed.class, this::onRecoveryProbed)
                .onCommand(StopCompleted.class, this::onStopCompleted);
        b.forState(s -> switching())
                .onCommand(m -> isLifecycle(m) || m instanceof VmCommand.Pause || m instanceof VmCommand.Resume
                        || m instanceof VmCommand.Suspend, (s, c) -> Effect().stash())
                .onCommand(Switched.class, this::onSwitched);
        b.forState(s -> s.phase() == VmPhase.STARTING)
                .onCommand(VmCommand.Kill.class, this::onKillWhileStarting)
                .onCommand(VmCommand.CancelCreate.class, this::onCancelCreate)
                .onCommand(this::isLifecycle, (s, c) -> Effect().stash())
                .onCommand(StartCompleted.class, this::onStartCompleted)
                .onCommand(StopCompleted.class, this::onStopCompleted);
        b.forState(s -> s.phase() == VmPhase.RUNNING)
                .onCommand(VmCommand.Start.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
                .onCommand(VmCommand.Stop.class, (s, c) -> onStop(s, c.replyTo(), false))
                .onCommand(VmCommand.Kill.class, (s, c) -> onStop(s, c.replyTo(), true))
                .onCommand(VmCommand.Restart.class, this::onRestart)
                .onCommand(VmCommand.Delete.class, (s, c) -> onDelete(s, c.replyTo()))
                .onCommand(LivenessTick.class, this::onLivenessTick)
                .onCommand(ExpiryWatch.Tick.class, this::onExpiryTick)
                .onCommand(Probed.class, this::onLivenessProbed)
                .onCommand(VmCommand.Pause.class, (s, c) -> switchVmm(s, true, c.replyTo()))
                .onCommand(VmCommand.Suspend.class, (s, c) -> onSuspend(s, c.replyTo()))
                .onCommand(VmCommand.Resume.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())));
        // a paused guest cannot power down: stop and kill are both a kill
        b.forState(s -> s.phase() == VmPhase.PAUSED)
                .onCommand(VmCommand.Resume.class, (s, c) -> switchVmm(s, false, c.replyTo()))
                .onCommand(VmCommand.Pause.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
                .onCommand(VmCommand.Suspend.class, (s, c) -> onSuspend(s, c.replyTo()))
                .onCommand(VmCommand.Stop.class, (s, c) -> onStop(s, c.replyTo(), true))
                .onCommand(VmCommand.Kill.class, (s, c) -> onStop(s, c.replyTo(), true))
                .onCommand(VmCommand.Delete.class, (s, c) -> onDelete(s, c.replyTo()))
                .onCommand(VmCommand.Start.class, (s, c) -> refuse(c, paused(s)))
                .onCommand(VmCommand.Restart.class, (s, c) -> refuse(c, paused(s)))
                .onCommand(LivenessTick.class, this::onLivenessTick)
                .onCommand(ExpiryWatch.Tick.class, this::onExpiryTick)
                .onCommand(Probed.class, this::onLivenessProbed);
        b.forState(s -> s.phase() == VmPhase.SUSPENDING)
                .onCommand(m -> isLifecycle(m) || m instanceof VmCommand.Pause || m instanceof VmCommand.Resume
                        || m instanceof VmCommand.Suspend, (s, c) -> Effect().stash())
                .onCommand(SuspendCompleted.class, this::onSuspendCompleted)
                .onCommand(SuspendProbed.class, this::onSuspendProbed);
        // nothing runs; a start resumes the saved state, a stop or kill discards it
        b.forState(s -> s.phase() == VmPhase.SUSPENDED)
                .onCommand(VmCommand.Start.class, (s, c) -> onWarmStart(s, c.replyTo()))
                .onCommand(VmCommand.Restart.class, (s, c) -> onWarmStart(s, c.replyTo()))
                .onCommand(VmCommand.Stop.class, (s, c) -> onDiscard(s, c.replyTo()))
                .onCommand(VmCommand.Kill.class, (s, c) -> onDiscard(s, c.replyTo()))
                .onCommand(VmCommand.Delete.class, (s, c) -> onDelete(s, c.replyTo()))
                .onCommand(VmCommand.Suspend.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())));
        b.forState(s -> s.phase() == VmPhase.STOPPING)
                .onCommand(this::isLifecycle, (s, c) -> Effect().stash())
                .onCommand(StopCompleted.class, this::onStopCompleted);
        // nothing that acts on the VMM is safe while the host cannot be checked; the next probe that can tell ends it
        b.forState(s -> s.phase() == VmPhase.UNKNOWN)
                .onCommand(this::isLifecycle, (s, c) -> refuse(c, hostUnknown(s)))
                .onCommand(LivenessTick.class, this::onLivenessTick)
                .onCommand(Probed.class, this::onUnknownProbed);
        b.forState(s -> s.phase() == VmPhase.DELETING || s.phase() == VmPhase.DELETED)
                .onCommand(VmCommand.Delete.class, this::onDeleteWhileDeleting)
                .onCommand(VmCommand.CancelCreate.class, this::onCancelWhileDeleting)
                .onCommand(this::isLifecycle, (s, c) -> refuse(c, beingDeleted(s)))
                .onCommand(VmCommand.Child.class, (s, c) -> refuse(c, beingDeleted(s)))
                .onCommand(StartCompleted.class, this::onStartSettledAfterCancel)
                .onCommand(DeleteCompleted.class, this::onDeleteCompleted);
        b.forState(s -> s.phase().quiescent())
                .onCommand(VmCommand.Start.class, (s, c) -> onStart(s, c.replyTo()))
                .onCommand(VmCommand.Restart.class, (s, c) -> onStart(s, c.replyTo()))
                .onCommand(VmCommand.Stop.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
                .onCommand(VmCommand.Kill.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
                .onCommand(VmCommand.Delete.class, (s, c) -> onDelete(s, c.replyTo()));
        b.forAnyState()
                .onCommand(VmCommand.Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
                .onCommand(VmCommand.Create.class, (s, c) -> refuse(c, new Rejected(Rejection.Reason.CONFLICT,
                        "VM " + s.spec().name() + " already exists")))
                .onCommand(VmCommand.Reconfigure.class, this::onReconfigure)
                .onCommand(VmCommand.SetExpiry.class, this::onSetExpiry)
                .onCommand(VmCommand.Pause.class, (s, c) -> refuse(c, notPausable(s)))
                .onCommand(VmCommand.Resume.class, (s, c) -> refuse(c, notPausable(s)))
                .onCommand(VmCommand.Suspend.class, (s, c) -> refuse(c, notSuspendable(s)))
                .onCommand(VmCommand.Touch.class, this::onTouch)
                .onCommand(VmCommand.CancelCreate.class, (s, c) -> refuse(c, nothingToCancel(s)))
                .onCommand(VmCommand.Child.class, this::onChildWanted)
                .onCommand(VmCommand.RecordGuestEvent.class, this::onRecordGuestEvent)
                .onCommand(VmCommand.RecordWorkspace.class, this::onRecordWorkspace)
                .onCommand(VmCommand.RecordSession.class, (s, c) -> persist(s, c.event())
                        .thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance())))
                .onCommand(AbortCompleted.class, this::onAbortCompleted)
                .onCommand(ChildStopped.class, (s, c) -> {
                    children.remove(c.kind());
                    return Effect().noReply();
                })
                // results that arrive after the phase they were for (a liveness probe overtaken by a stop): stale
                .onCommand(m -> !(m instanceof VmCommand), (s, c) -> Effect().noReply());
        return b.build();
    }

    private boolean recovering() {
        return inFlight != null && inFlight.is(Transition.Kind.RECOVER);
    }

    private boolean switching() {
        return inFlight != null && (inFlight.is(Transition.Kind.PAUSE) || inFlight.is(Transition.Kind.RESUME));
    }

    /** Commands that change the VM's lifecycle: they wait for a transition in flight. */
    private boolean isLifecycle(Message m) {
        return m instanceof VmCommand.Start || m instanceof VmCommand.Stop || m instanceof VmCommand.Restart
                || m instanceof VmCommand.Kill || m instanceof VmCommand.Delete;
    }

    // ---- no VM yet

    private ReplyEffect<VmEvent, VmState> onCreate(VmState s, VmCommand.Create c) {
        VmEvent created = new VmEvent.Created(c.spec(), clock.instant());
        if (!c.start()) {
            return persist(s, created).thenReply(c.replyTo(), st -> StatusReply.success(st.view()));
        }
        inFlight = Transition.of(Transition.Kind.START, c.replyTo());
        return persist(s, created, new VmEvent.StartRequested(clock.instant()))
                .thenRun(this::launch)
                .thenNoReply();
    }

    // ---- idle (created, stopped, failed)

    private ReplyEffect<VmEvent, VmState> onStart(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        return startWith(s, replyTo, this::launch);
    }

    /** A start journaled, then {@code launch} (a cold boot, or a warm start from the saved state). */
    private ReplyEffect<VmEvent, VmState> startWith(VmState s, ActorRef<StatusReply<VmView>> replyTo,
                                                    Procedure<VmState> launch) {
        inFlight = Transition.of(Transition.Kind.START, replyTo);
        return persist(s, new VmEvent.StartRequested(clock.instant()))
                .thenRun(launch)
                .thenNoReply();
    }

    private ReplyEffect<VmEvent, VmState> onDelete(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        inFlight = Transition.of(Transition.Kind.DELETE, replyTo);
        return persist(s, new VmEvent.DeleteRequested(clock.instant()))
                .thenRun(this::destroy)
                .thenNoReply();
    }

    // ---- starting

    private ReplyEffect<VmEvent, VmState> onWarmStart(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        return startWith(s, replyTo, this::launchWarm);
    }

    /** A suspended VM that is stopped loses its saved state: nothing is left to resume. */
    private ReplyEffect<VmEvent, VmState> onDiscard(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        inFlight = Transition.of(Transition.Kind.STOP, replyTo);
        return persist(s, new VmEvent.StopRequested(true, clock.instant()))
                .thenRun(st -> halt(st, true, "saved state discarded"))
                .thenNoReply();
    }

    private ReplyEffect<VmEvent, VmState> onStartCompleted(VmState s, StartCompleted c) {
        if (inFlight.is(Transition.Kind.KILL_START)) {
            if (c.failure() == null) {
                // the boot finished just before the abort: stop what it started, then the kill finds it stopped
                halt(s, true, "killed while starting");
                return Effect().noReply();
            }
            return persist(s, new VmEvent.Stopped("killed while starting", clock.instant()))
                    .thenRun(st -> settle(st, "killed while starting"))
                    .thenNoReply()
                    .thenUnstashAll();
        }
        if (c.failure() != null) {
            return persist(s, new VmEvent.StartFailed(c.failure(), c.step(), clock.instant()))
                    .thenRun(st -> settle(st, c.failure()))
                    .thenNoReply()
                    .thenUnstashAll();
        }
        VmEvent started = new VmEvent.Started(c.pid(), clock.instant(),
                c.warm() ? LastStartView.WARM : LastStartView.COLD, c.coldBootReason());
        return persist(s, started)
                .thenRun(st -> settle(st, null))
                .thenRun(st -> watchLiveness(st))
                .thenNoReply()
                .thenUnstashAll();
    }

    /** A kill does not wait for a boot in flight: it aborts the start, and is answered once the VM stopped. */
    private ReplyEffect<VmEvent, VmState> onKillWhileStarting(VmState s, VmCommand.Kill c) {
        if (inFlight.is(Transition.Kind.START)) {
            inFlight = inFlight.as(Transition.Kind.KILL_START);
            abortStart(s);
        }
        return Effect().stash();
    }

    private ReplyEffect<VmEvent, VmState> onCancelCreate(VmState s, VmCommand.CancelCreate c) {
        if (!inFlight.is(Transition.Kind.START)) {
            return refuse(c, nothingToCancel(s));
        }
        inFlight = inFlight.as(Transition.Kind.CANCEL_CREATE).withCanceller(c.replyTo());
        return persist(s, new VmEvent.CreateCancelled(clock.instant()))
                .thenRun(this::abortStart)
                .thenNoReply();
    }

    private ReplyEffect<VmEvent, VmState> onAbortCompleted(VmState s, AbortCompleted c) {
        if (c.failure() != null) {
            ctx.getLog().warn("VM {}: aborting its start failed: {}", s.spec().name(), c.failure());
        }
        return Effect().noReply();
    }

    // ---- running

    private ReplyEffect<VmEvent, VmState> onStop(VmState s, ActorRef<StatusReply<VmView>> replyTo, boolean force) {
        inFlight = Transition.of(Transition.Kind.STOP, replyTo);
        return persist(s, new VmEvent.StopRequested(force, clock.instant()))
                .thenRun(st -> halt(st, force, force ? "killed" : "stopped on request"))
                .thenNoReply();
    }

    private ReplyEffect<VmEvent, VmState> onRestart(VmState s, VmCommand.Restart c) {
        inFlight = Transition.of(Transition.Kind.RESTART, c.replyTo());
        return persist(s, new VmEvent.StopRequested(false, clock.instant()))
                .thenRun(st -> halt(st, false, "stopped for restart"))
                .thenNoReply();
    }

    /** A probe that failed leaves the VM as it was (running, paused or unknown) until one answers. */
    private ReplyEffect<VmEvent, VmState> onLivenessTick(VmState s, LivenessTick c) {
        if (c.exitSeen()) {
            exitRechecksLeft = EXIT_RECHECKS;
        }
        VmRuntime.Liveness asWas = s.phase() == VmPhase.UNKNOWN ? VmRuntime.Liveness.UNKNOWN : VmRuntime.Liveness.ALIVE;
        pipe(runtime.probe(s.spec()), (p, err) -> err == null
                ? new Probed(p.liveness(), p.pid(), p.detail(), false)
                : new Probed(asWas, 0, err.getMessage(), false));
        return Effect().noReply();
    }

    private ReplyEffect<VmEvent, VmState> onLivenessProbed(VmState s, Probed c) {
        if (c.alive() && exitRechecksLeft > 0) {
            recheckAfterExitSeen(s);
            return Effect().noReply();
        }
        if (c.alive()) {
            armLiveness();
            return Effect().noReply();
        }
        if (c.liveness() == VmRuntime.Liveness.UNKNOWN) {
            if (s.phase() == VmPhase.PAUSED) {
                // unknown -> running would hide that its vCPUs are frozen: it stays paused, the probes go on
                ctx.getLog().warn("VM {}: host cannot be checked: {}", s.spec().name(), c.detail());
                armLiveness();
                return Effect().noReply();
            }
            return persist(s, new VmEvent.HostUnchecked(c.detail(), clock.instant()))
                    .thenRun(st -> armLiveness())
                    .thenNoReply();
        }
        return haltDead(s, c);
    }

    /**
     * The exit socket closed yet the process still looks alive: it is most likely between releasing its files and
     * becoming a zombie, so probe again shortly. A VMM still alive after all the re-probes closed its socket for
     * another reason: watch it again and go back to the interval.
     */
    private void recheckAfterExitSeen(VmState s) {
        exitRechecksLeft--;
        if (exitRechecksLeft > 0) {
            timers.startSingleTimer(LIVENESS, new LivenessTick(false), EXIT_RECHECK_INTERVAL);
            return;
        }
        ctx.getLog().warn("VM {}: its VMM closed its exit socket but still runs; watching it again", s.spec().name());
        watchLiveness(s);
    }

    private ReplyEffect<VmEvent, VmState> haltDead(VmState s, Probed c) {
        exitRechecksLeft = 0;
        inFlight = Transition.of(Transition.Kind.STOP, null);
        return persist(s, new VmEvent.StopRequested(true, clock.instant()))
                .thenRun(st -> halt(st, true, "VMM exited unexpectedly: " + c.detail()))
                .thenNoReply();
    }

    // ---- unknown (the host could not be checked)

    private ReplyEffect<VmEvent, VmState> onUnknownProbed(VmState s, Probed c) {
        if (c.recovery()) {
            return Effect().noReply();
        }
        return switch (c.liveness()) {
            case ALIVE -> persist(s, new VmEvent.HostRechecked(c.pid(), clock.instant()))
                    .thenRun(st -> watchLiveness(st))
                    .thenNoReply();
            case DEAD -> haltDead(s, c);
            case UNKNOWN -> {
                armLiveness();
                yield Effect().noReply();
            }
        };
    }

    // ---- pausing and resuming (running, paused)

    private ReplyEffect<VmEvent, VmState> switchVmm(VmState s, boolean pause, ActorRef<StatusReply<VmView>> replyTo) {
        inFlight = Transition.of(pause ? Transition.Kind.PAUSE : Transition.Kind.RESUME, replyTo);
        CompletionStage<Void> switched = pause ? runtime.pause(s.spec()) : runtime.resume(s.spec());
        pipe(switched.thenApply(v -> Done.getInstance()),
                (v, err) -> new Switched(pause, err == null ? null : describe(err)));
        return Effect().noReply();
    }

    private ReplyEffect<VmEvent, VmState> onSwitched(VmState s, Switched c) {
        if (c.failure() != null) {
            Rejected failed = new Rejected(Rejection.Reason.OPERATION_FAILED, "VM " + s.spec().name() + " could not be "
                    + (c.paused() ? "paused" : "resumed") + ": " + c.failure());
            inFlight.waiters().forEach(r -> r.tell(StatusReply.error(failed)));
            inFlight = null;
            return Effect().noReply().thenUnstashAll();
        }
        VmEvent event = c.paused() ? new VmEvent.Paused(clock.instant()) : new VmEvent.Resumed(clock.instant());
        return persist(s, event)
                .thenRun(st -> settle(st, null))
                .thenNoReply()
                .thenUnstashAll();
    }

    // ---- suspending (running or paused → suspended)

    private ReplyEffect<VmEvent, VmState> onSuspend(VmState s, ActorRef<StatusReply<VmView>> replyTo) {
        inFlight = Transition.of(Transition.Kind.SUSPEND, replyTo);
        return persist(s, new VmEvent.SuspendRequested(s.phase() == VmPhase.PAUSED, clock.instant()))
                .thenRun(this::save)
                .thenNoReply();
    }

    private ReplyEffect<VmEvent, VmState> onSuspendCompleted(VmState s, SuspendCompleted c) {
        if (c.failure() == null) {
            expiringRule = null;
            recoveredSuspend = false;
            return persist(s, new VmEvent.Suspended(c.bytes(), clock.instant()))
                    .thenRun(st -> settle(st, null))
                    .thenNoReply()
                    .thenUnstashAll();
        }
        // before the VM is called running (or paused) again, the host says whether its VMM survived the attempt
        pipe(runtime.probe(s.spec()), (p, err) -> err == null
                ? new SuspendProbed(c.failure(), p.liveness(), p.detail())
                : new SuspendProbed(c.failure(), VmRuntime.Liveness.UNKNOWN, describe(err)));
        return Effect().noReply();
    }

    private ReplyEffect<VmEvent, VmState> onSuspendProbed(VmState s, SuspendProbed c) {
        String rule = expiringRule;
        expiringRule = null;
        boolean afterRestart = recoveredSuspend;
        recoveredSuspend = false;
        boolean paused = VmState.SUSPENDING_PAUSED.equals(s.reason());
        Rejected failed = new Rejected(Rejection.Reason.OPERATION_FAILED,
                "VM " + s.spec().name() + " could not be suspended: " + c.failure());
        List<ActorRef<StatusReply<VmView>>> waiters = inFlight.waiters();
        waiters.forEach(r -> r.tell(StatusReply.error(failed)));
        if (rule != null || c.liveness() == VmRuntime.Liveness.DEAD) {
            // an expiry still has to end the VM's run (retrying the suspend at every tick never would), and a VMM
            // that is gone leaves nothing to run on: the VM is stopped
            String why = rule != null ? "expired (" + rule + "); the suspend failed: " + c.failure()
                    : "the VMM did not survive a failed suspend (" + c.failure() + "): " + c.detail();
            ctx.getLog().warn("VM {}: {}", s.spec().name(), why);
            inFlight = Transition.of(Transition.Kind.STOP, null);
            return persist(s, new VmEvent.SuspendFailed(c.failure(), paused, clock.instant()),
                    new VmEvent.StopRequested(true, clock.instant()))
                    .thenRun(st -> halt(st, true, why))
                    .thenNoReply();
        }
        inFlight = null;
        return persist(s, new VmEvent.SuspendFailed(c.failure(), paused, clock.instant()))
                .thenRun(st -> {
                    if (afterRestart) {
                        watchLiveness(st);
                    } else {
                        armLiveness();
                    }
                })
                .thenNoReply()
                .thenUnstashAll();
    }

    /** A deadline passed (or the timer was early: it is armed again); the expiry runs as a stop or delete would. */
    private ReplyEffect<VmEvent, VmState> onExpiryTick(VmState s, ExpiryWatch.Tick c) {
        String rule = recovering() || inFlight != null ? null : expiry.due(s);
        if (rule == null) {
            expiry.rearm(s);
            return Effect().noReply();
        }
        ExpiryAction action = s.spec().expiryOrNone().onExpiry();
        VmEvent expired = new VmEvent.Expired(rule, action.wireName(), clock.instant());
        boolean force = s.phase() == VmPhase.PAUSED;
        if (action == ExpiryAction.SUSPEND) {
            inFlight = Transition.of(Transition.Kind.SUSPEND, null);
            expiringRule = rule;
            return persist(s, expired, new VmEvent.SuspendRequested(s.phase() == VmPhase.PAUSED, clock.instant()))
                    .thenRun(this::save)
                    .thenNoReply();
        }
        if (action == ExpiryAction.DELETE) {
            inFlight = Transition.of(Transition.Kind.DELETE, null);
            return persist(s, expired, new VmEvent.DeleteRequested(clock.instant()))
                    .thenRun(this::destroy)
                    .thenNoReply();
        }
        inFlight = Transition.of(Transition.Kind.STOP, null);
        return persist(s, expired, new VmEvent.StopRequested(force, clock.instant()))
                .thenRun(st -> halt(st, force, "expired (" + rule + ")"))
                .thenNoReply();
    }

    // ---- stopping (and a kill or recovery that had to stop the VMM)

    private ReplyEffect<VmEvent, VmState> onStopCompleted(VmState s, StopCompleted c) {
        String reason = c.failure() == null ? c.reason() : c.reason() + " (cleanup: " + c.failure() + ")";
        VmEvent stopped = new VmEvent.Stopped(reason, clock.instant());
        if (inFlight.is(Transition.Kind.RESTART)) {
            inFlight = inFlight.as(Transition.Kind.START);
            return persist(s, stopped, new VmEvent.StartRequested(clock.instant()))
                    .thenRun(this::launch)
                    .thenNoReply();
        }
        String failure = inFlight.is(Transition.Kind.KILL_START) ? "killed while starting" : null;
        return persist(s, stopped)
                .thenRun(st -> settle(st, failure))
                .thenNoReply()
                .thenUnstashAll();
    }

    // ---- recovering after a daemon restart

    private ReplyEffect<VmEvent, VmState> onRecoveryProbed(VmState s, Probed c) {
        if (!c.recovery()) {
            return Effect().noReply();
        }
        boolean unknown = c.liveness() == VmRuntime.Liveness.UNKNOWN;
        if (unknown && s.phase() != VmPhase.PAUSED) {
            // neither adopted nor halted: what runs is not known until a probe can tell
            inFlight = null;
            return persist(s, new VmEvent.HostUnchecked(c.detail(), clock.instant()))
                    .thenRun(st -> armLiveness())
                    .thenNoReply()
                    .thenUnstashAll();
        }
        if ((c.alive() || unknown) && s.phase() == VmPhase.PAUSED) {
            // still frozen: adopting it as running would be a lie
            inFlight = null;
            watchLiveness(s);
            expiry.rearm(s);
            return Effect().noReply().thenUnstashAll();
        }
        if (c.alive() && s.phase() != VmPhase.STOPPING) {
            inFlight = null;
            return persist(s, new VmEvent.Adopted(c.pid(), clock.instant()))
                    .thenRun(st -> watchLiveness(st))
                    .thenNoReply()
                    .thenUnstashAll();
        }
        halt(s, !c.alive(), c.alive() ? "stop resumed after daemon restart"
                : "VMM not running after daemon restart: " + c.detail());
        return Effect().noReply();
    }

    // ---- deleting

    private ReplyEffect<VmEvent, VmState> onDeleteWhileDeleting(VmState s, VmCommand.Delete c) {
        if (inFlight == null || !inFlight.is(Transition.Kind.DELETE)) {
            return refuse(c, beingDeleted(s));
        }
        inFlight = inFlight.withWaiter(c.replyTo());
        return Effect().noReply();
    }

    private ReplyEffect<VmEvent, VmState> onCancelWhileDeleting(VmState s, VmCommand.CancelCreate c) {
        if (inFlight == null || !inFlight.is(Transition.Kind.CANCEL_CREATE)) {
            return refuse(c, nothingToCancel(s));
        }
        inFlight = inFlight.withCanceller(c.replyTo());
        return Effect().noReply();
    }

    /** Whatever the aborted start achieved, the VM goes; CreateCancelled already journaled that intent. */
    private ReplyEffect<VmEvent, VmState> onStartSettledAfterCancel(VmState s, StartCompleted c) {
        if (inFlight != null && inFlight.is(Transition.Kind.CANCEL_CREATE)) {
            destroy(s);
        }
        return Effect().noReply();
    }

    private ReplyEffect<VmEvent, VmState> onDeleteCompleted(VmState s, DeleteCompleted c) {
        if (c.failure() != null) {
            // never free the address and TAP of a VM whose VMM may still run
            ctx.getLog().warn("VM {}: delete failed, the VM is kept: {}", s.spec().name(), c.failure());
            return persist(s, new VmEvent.DeleteFailed(c.failure(), clock.instant()))
                    .thenRun(st -> refuseDelete(st, c.failure()))
                    .thenNoReply()
                    .thenUnstashAll();
        }
        return persist(s, new VmEvent.Deleted(clock.instant()))
                .thenRun(st -> {
                    if (inFlight != null && inFlight.is(Transition.Kind.CANCEL_CREATE)) {
                        answerCancelled(st);
                    } else {
                        settle(st, null);
                    }
                    fleet.tell(new VmFleet.VmGone(st.spec().id(), st.spec().name()));
                })
                .thenStop()
                .thenNoReply();
    }

    // ---- any phase

    private ReplyEffect<VmEvent, VmState> onReconfigure(VmState s, VmCommand.Reconfigure c) {
        PatchVmRequest p = c.patch();
        VmSpec spec = s.spec();
        int vcpus = p.vcpus() != null ? p.vcpus() : spec.vcpus();
        int memory = p.memoryMib() != null ? p.memoryMib() : spec.memoryMib();
        int disk = p.diskMib() != null ? p.diskMib() : spec.diskMib();
        boolean resizes = vcpus != spec.vcpus() || memory != spec.memoryMib() || disk != spec.diskMib();
        if (resizes && (!s.phase().quiescent() || inFlight != null)) {
            return refuse(c, new Rejected(Rejection.Reason.CONFLICT, "VM " + spec.name() + " is "
                    + s.phase().wireName() + "; vcpus, memory and disk can change only while it is stopped"));
        }
        if (disk < spec.diskMib()) {
            return refuse(c, new Rejected(Rejection.Reason.INVALID_REQUEST,
                    "disk_mib can only grow (now " + spec.diskMib() + ")"));
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
        try {
            LabelLimits.check(labels);
        } catch (Rejected tooMany) {
            return refuse(c, tooMany);
        }
        EgressPolicy egress = p.egress() != null && !p.egress().equals(spec.egress()) ? p.egress() : null;
        if (egress != null && (inFlight != null || (s.phase() != VmPhase.RUNNING && !s.phase().quiescent()))) {
            return refuse(c, new Rejected(Rejection.Reason.CONFLICT, "VM " + spec.name() + " is "
                    + s.phase().wireName() + "; egress can change while it runs or is stopped, not in between"));
        }
        if (!resizes && egress == null && labels.equals(spec.labels())) {
            return Effect().reply(c.replyTo(), StatusReply.success(s.view()));
        }
        return persist(s, new VmEvent.Reconfigured(vcpus, memory, disk, Map.copyOf(labels), clock.instant(), egress))
                .thenRun(st -> replyOnceEgressApplied(st, egress != null, c.replyTo()))
                .thenNoReply();
    }

    /** A changed egress policy is in force on the VM's TAP before the PATCH is answered. */
    private void replyOnceEgressApplied(VmState st, boolean egressChanged, ActorRef<StatusReply<VmView>> replyTo) {
        VmView view = st.view();
        if (!egressChanged) {
            replyTo.tell(StatusReply.success(view));
            return;
        }
        runtime.applyEgress(st.spec()).whenComplete((done, failure) -> replyTo.tell(failure == null
                ? StatusReply.success(view)
                : StatusReply.error(new Rejected(Rejection.Reason.OPERATION_FAILED,
                        "egress policy saved but not applied: " + failure.getMessage()))));
    }

    private ReplyEffect<VmEvent, VmState> onSetExpiry(VmState s, VmCommand.SetExpiry c) {
        if (s.phase() == VmPhase.DELETING || s.phase() == VmPhase.DELETED) {
            return refuse(c, beingDeleted(s));
        }
        VmExpiry next;
        try {
            next = s.spec().expiryOrNone().patched(c.patch());
        } catch (Rejected invalid) {
            return refuse(c, invalid);
        }
        return persist(s, new VmEvent.ExpiryChanged(next.ttlS(), next.idleTimeoutS(), next.onExpiry().wireName(),
                clock.instant())).thenReply(c.replyTo(), st -> StatusReply.success(st.view()));
    }

    private ReplyEffect<VmEvent, VmState> onTouch(VmState s, VmCommand.Touch c) {
        if (!expiry.touch(s)) {
            return Effect().reply(c.replyTo(), StatusReply.success(Done.getInstance()));
        }
        return persist(s, new VmEvent.ActivityRecorded(clock.instant()))
                .thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance()));
    }

    private ReplyEffect<VmEvent, VmState> onRecordWorkspace(VmState s, VmCommand.RecordWorkspace c) {
        boolean workspaceEvent = c.event() instanceof VmEvent.WorkspacePrepared
                || c.event() instanceof VmEvent.WorkspaceExported;
        if (!s.exists() || s.phase() == VmPhase.DELETING || s.phase() == VmPhase.DELETED || !workspaceEvent) {
            return refuse(c, new Rejected(Rejection.Reason.NOT_FOUND,
                    workspaceEvent ? "the VM is gone" : "not a workspace event: " + c.event()));
        }
        return persist(s, c.event()).thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance()));
    }

    private ReplyEffect<VmEvent, VmState> onChildWanted(VmState s, VmCommand.Child<?> c) {
        return onChild(s, c);
    }

    private <M> ReplyEffect<VmEvent, VmState> onChild(VmState s, VmCommand.Child<M> c) {
        VmChildKind<?> offered = childKinds.get(c.kind().name());
        if (offered == null) {
            return refuse(c, new Rejected(Rejection.Reason.UNAVAILABLE,
                    "this daemon runs no " + c.kind().name() + " for VMs"));
        }
        if (recovering() || !c.kind().reachableIn().contains(s.phase())) {
            String phase = recovering() ? "recovering after a daemon restart" : s.phase().wireName();
            return refuse(c, new Rejected(Rejection.Reason.CONFLICT, "VM " + s.spec().name() + " is "
                    + phase + "; its " + c.kind().name() + " needs it "
                    + c.kind().reachableIn().stream().map(VmPhase::wireName).sorted().toList()));
        }
        return Effect().reply(c.replyTo(), StatusReply.success(childOf(s, c.kind())));
    }

    @SuppressWarnings("unchecked")
    private <M> ActorRef<M> childOf(VmState s, VmChildKind<M> kind) {
        LiveChild<?> live = children.get(kind.name());
        if (live != null) {
            // one kind per name, so the child behind the name speaks this kind's protocol
            return ((LiveChild<M>) live).ref();
        }
        VmChildContext context = new VmChildContext(s.spec().id(), s.spec().name(), s.spec().address(), s.phase(),
                ctx.getSelf().narrow());
        ActorRef<M> ref = ctx.spawn(kind.create(context), "child-" + kind.name());
        ctx.watchWith(ref, new ChildStopped(kind.name()));
        children.put(kind.name(), new LiveChild<>(kind, ref));
        return ref;
    }

    private ReplyEffect<VmEvent, VmState> onRecordGuestEvent(VmState s, VmCommand.RecordGuestEvent c) {
        if (c.type() == null || !GUEST_EVENT_TYPE.matcher(c.type()).matches() || OWN_EVENT_TYPES.contains(c.type())) {
            return refuse(c, new Rejected(Rejection.Reason.INVALID_REQUEST, "a guest event type is a CamelCase "
                    + "name of 2 to 64 letters or digits and not one of the VM's own events: " + c.type()));
        }
        return persist(s, new VmEvent.GuestRecorded(c.type(), c.data(), clock.instant()))
                .thenReply(c.replyTo(), st -> StatusReply.success(Done.getInstance()));
    }

    // ---- side effects, piped back as private messages

    private void launch(VmState s) {
        pipe(runtime.start(s.spec()), (launched, err) -> err == null
                ? new StartCompleted(launched.pid(), null, null)
                : new StartCompleted(0, describe(err), stepOf(err)));
    }

    private void launchWarm(VmState s) {
        pipe(runtime.warmStart(s.spec()), (launched, err) -> err == null
                ? new StartCompleted(launched.pid(), null, null, launched.warm(), launched.coldBootReason())
                : new StartCompleted(0, describe(err), stepOf(err)));
    }

    private void save(VmState s) {
        pipe(runtime.suspend(s.spec(), VmState.SUSPENDING_PAUSED.equals(s.reason())), (bytes, err) -> err == null
                ? new SuspendCompleted(bytes, null) : new SuspendCompleted(0, describe(err)));
    }

    private void halt(VmState s, boolean force, String reason) {
        pipe(runtime.stop(s.spec(), force), (r, err) -> new StopCompleted(
                r == null || r.isBlank() ? reason : reason + ": " + r, err == null ? null : describe(err)));
    }

    private void destroy(VmState s) {
        pipe(runtime.destroy(s.spec()), (v, err) -> new DeleteCompleted(err == null ? null : describe(err)));
    }

    private void abortStart(VmState s) {
        // the abort may finish after this VM has stopped, and Pekko's dead-letter logging fails with a
        // NullPointerException on a null result (a CompletionStage<Void>'s), so it completes with Done
        pipe(runtime.abort(s.spec()).thenApply(v -> Done.getInstance()),
                (v, err) -> new AbortCompleted(err == null ? null : describe(err)));
    }

    private <T> void pipe(CompletionStage<T> stage, BiFunction<T, Throwable, Message> adapt) {
        ctx.pipeToSelf(stage, adapt::apply);
    }

    /**
     * From the moment the VM runs: probes at the liveness interval, and one at once when the VMM's exit is seen
     * (a probe that arrives after the VM left running is stale and ignored).
     */
    private void watchLiveness(VmState s) {
        exitRechecksLeft = 0;
        armLiveness();
        ActorRef<Message> self = ctx.getSelf();
        runtime.watchExit(s.spec(), () -> self.tell(new LivenessTick(true)));
    }

    /** One liveness probe per interval while the VM runs; the next is armed when the last one answered. */
    private void armLiveness() {
        timers.startSingleTimer(LIVENESS, new LivenessTick(false), livenessInterval);
    }

    // ---- journaling and answering

    /** Journals events; once they are applied tells the fleet the new view and the children a new phase. */
    private EffectBuilder<VmEvent, VmState> persist(VmState before, VmEvent... events) {
        return Effect().persist(List.of(events)).thenRun(after -> published(before, after));
    }

    private void published(VmState before, VmState after) {
        fleet.tell(new VmFleet.VmChanged(after.view()));
        if (after.phase() != VmPhase.RUNNING && after.phase() != VmPhase.PAUSED && after.phase() != VmPhase.UNKNOWN) {
            timers.cancel(LIVENESS);
        }
        expiry.rearm(after);
        // DELETED is not told: the children stop with the VM at once, before a message could reach them
        if (before.phase() != after.phase() && after.phase() != VmPhase.DELETED) {
            children.values().forEach(child -> child.tellPhase(after.phase()));
        }
    }

    /** Ends the transition in flight: its waiters hear the VM's view, or that it failed to start. */
    private void settle(VmState s, String failure) {
        List<ActorRef<StatusReply<VmView>>> waiters = inFlight == null ? List.of() : inFlight.waiters();
        inFlight = null;
        for (ActorRef<StatusReply<VmView>> r : waiters) {
            r.tell(failure == null ? StatusReply.success(s.view())
                    : StatusReply.error(new Rejected(Rejection.Reason.OPERATION_FAILED,
                            "VM " + s.spec().name() + " failed to start: " + failure)));
        }
    }

    private void refuseDelete(VmState s, String failure) {
        Rejected failed = new Rejected(Rejection.Reason.OPERATION_FAILED,
                "VM " + s.spec().name() + " could not be deleted: " + failure);
        if (inFlight != null) {
            inFlight.waiters().forEach(r -> r.tell(StatusReply.error(failed)));
            inFlight.cancellers().forEach(r -> r.tell(StatusReply.error(failed)));
        }
        inFlight = null;
    }

    private void answerCancelled(VmState s) {
        Rejected cancelled = new Rejected(Rejection.Reason.CONFLICT,
                "the creation of VM " + s.spec().name() + " was cancelled");
        inFlight.waiters().forEach(r -> r.tell(StatusReply.error(cancelled)));
        inFlight.cancellers().forEach(r -> r.tell(StatusReply.success(s.view())));
        inFlight = null;
    }

    /** Every command's reply is a StatusReply, so a refusal fits whatever its success type. */
    @SuppressWarnings("unchecked")
    private ReplyEffect<VmEvent, VmState> refuse(Message command, Rejected rejection) {
        ActorRef<StatusReply<Object>> replyTo = (ActorRef<StatusReply<Object>>) ((VmCommand) command).replyTo();
        return Effect().reply(replyTo, StatusReply.error(rejection));
    }

    private static Rejected hostUnknown(VmState s) {
        return new Rejected(Rejection.Reason.CONFLICT, "VM " + s.spec().name() + " is unknown (" + s.reason()
                + "); it cannot be started, stopped or deleted until the host can be checked again");
    }

    private static Rejected paused(VmState s) {
        return new Rejected(Rejection.Reason.CONFLICT, "VM " + s.spec().name() + " is paused; resume it first");
    }

    private Rejected notSuspendable(VmState s) {
        String what = recovering() ? "recovering after a daemon restart" : s.phase().wireName();
        return new Rejected(Rejection.Reason.CONFLICT,
                "VM " + s.spec().name() + " is " + what + "; only a running or paused VM can be suspended");
    }

    private Rejected notPausable(VmState s) {
        String what = recovering() ? "recovering after a daemon restart" : s.phase().wireName();
        return new Rejected(Rejection.Reason.CONFLICT,
                "VM " + s.spec().name() + " is " + what + "; only a running VM can be paused or a paused one resumed");
    }

    private static Rejected notFound() {
        return new Rejected(Rejection.Reason.NOT_FOUND, "no such VM");
    }

    private static Rejected beingDeleted(VmState s) {
        // a VM on its way out answers at once: stashed commands would be dropped when it stops
        return new Rejected(Rejection.Reason.NOT_FOUND, "VM " + s.spec().name() + " is being deleted");
    }

    private Rejected nothingToCancel(VmState s) {
        String what = recovering() ? "recovering after a daemon restart" : s.phase().wireName();
        return new Rejected(Rejection.Reason.CONFLICT,
                "VM " + s.spec().name() + " is " + what + "; there is no creation in flight to cancel");
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(Throwable t) {
        Throwable c = cause(t);
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }

    private static String stepOf(Throwable t) {
        return cause(t) instanceof LaunchStepFailed f ? f.step() : null;
    }
}
