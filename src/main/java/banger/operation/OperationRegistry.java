package banger.operation;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.persistence.JournalFailures;
import banger.persistence.JsonSerializable;
import banger.vm.VmCommand;
import banger.vm.VmFleet;
import banger.wire.CreateVmRequest;
import banger.wire.OperationError;
import banger.wire.OperationState;
import banger.wire.OperationView;
import banger.wire.VmView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Long-running requests as operations a client can poll and cancel: creating a VM through the fleet, and the
 * lifecycle calls on an existing VM ({@link VmLifecycle}: start, stop, restart, delete). An operation is journaled
 * when accepted (with its idempotency key and, for a create, its request), when its VM is registered or found, when
 * a cancel is asked, and when it ends; finished operations are pruned after the retention. After a daemon restart
 * an operation still in flight is settled from its VM: a pending create whose VM the fleet registered (the daemon
 * died before the operation heard of it) is found by name and followed like a running one; cancelled if a cancel
 * was asked and the VM ended where the cancel leads (a create's VM gone, a start's VM stopped); succeeded if the VM
 * is where the operation meant it to be (running; created without a start; stopped; gone), failed ("daemon
 * restarted") otherwise.
 */
public final class OperationRegistry
        extends EventSourcedBehaviorWithEnforcedReplies<OperationRegistry.Command, OperationEvent, OperationRegistry.State> {

    public sealed interface Command extends JsonSerializable {
    }

    /**
     * Starts creating a VM, or, for an idempotency key already seen with the same request, finds that operation.
     * Answers once the VM is registered (the operation is running) or refused (the refusal, as the error).
     */
    public record CreateVm(CreateVmRequest request, String idempotencyKey,
                           ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    /**
     * Starts a lifecycle call on an existing VM ({@code ref}: its id or name) as an operation, or, for an
     * idempotency key already seen with the same call on the same VM, finds that operation. Answers once the VM is
     * found (the operation is running) or refused (NOT_FOUND, as the error).
     */
    public record RunLifecycle(VmLifecycle action, String ref, String idempotencyKey,
                               ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    /**
     * Answers when a lifecycle operation has finished: with the VM as it ended up (a deleted VM's last view), or
     * the operation's failure, or CONFLICT when it was cancelled.
     */
    public record AwaitVm(String id, ActorRef<StatusReply<VmView>> replyTo) implements Command {
    }

    public record Get(String id, ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    /** Newest first. */
    public record ListOperations(ActorRef<List<OperationView>> replyTo) implements Command {
    }

    /** Cancels a create in flight; answers once the VM is gone and the operation is cancelled. */
    public record Cancel(String id, ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    /** Answers when the operation has finished, however it ended. */
    public record AwaitFinished(String id, ActorRef<StatusReply<OperationView>> replyTo) implements Command {
    }

    /**
     * The daemon is shutting down: refuse new creates, let the operations in flight finish for up to
     * {@code finishWithin}, then cancel those still running and wait up to {@code cancelWithin} for their outcome.
     * {@code replyTo} hears the ids of operations still unfinished at the end (settled again after the restart).
     */
    public record Drain(Duration finishWithin, Duration cancelWithin, ActorRef<List<String>> replyTo)
            implements Command {
    }

    private record DrainDeadline(boolean cancelled) implements Command {
    }

    // The registry's own messages: a create's progress (from its CreateWatcher), results it piped to itself, timers.

    record CreateAccepted(String operationId, String vmId) implements Command {
    }

    record CreateFinished(String operationId, VmView vm, OperationError error) implements Command {
    }

    record LifecycleAccepted(String operationId, String vmId, String vmName) implements Command {
    }

    record LifecycleFinished(String operationId, VmView vm, OperationError error) implements Command {
    }

    /** The create waits on its catalog image being pulled or built: it is accepted (still pending). */
    record CreateAwaitingImage(String operationId) implements Command {
    }

    /** A create cancelled while it waited on its catalog image gave up before asking the fleet: no VM was made. */
    record CreateAbandoned(String operationId) implements Command {
    }

    /** A cancel's outcome: the VM as the cancel left it, or why it could not be cancelled. */
    private record CancelFinished(String operationId, VmView vm, OperationError error) implements Command {
    }

    private record RecoverInFlight(List<String> pending, List<String> running) implements Command {
    }

    /** A restarted daemon's look for the VM a pending create may have registered: its view, or why there is none. */
    private record PendingLookedUp(String operationId, VmView vm) implements Command {
    }

    private record Recheck(String operationId, int attempt) implements Command {
    }

    /** A restarted daemon's look at a running operation's VM: its view, or why there is none. */
    private record Rechecked(String operationId, VmView vm, Throwable failure, int attempt) implements Command {
    }

    private record Prune() implements Command {
    }

    /**
     * Who waits on one unfinished operation: to be accepted, to finish, or to be cancelled; and a create's failure
     * held back while its cancel is in flight (the cancel decides whether it ends failed or cancelled).
     */
    private record Waiting(List<ActorRef<StatusReply<OperationView>>> accept,
                           List<ActorRef<StatusReply<OperationView>>> finish,
                           List<ActorRef<StatusReply<OperationView>>> cancel, OperationError heldFailure) {

        static final Waiting NONE = new Waiting(List.of(), List.of(), List.of(), null);

        Waiting onAccept(ActorRef<StatusReply<OperationView>> r) {
            return new Waiting(plus(accept, r), finish, cancel, heldFailure);
        }

        Waiting onFinish(ActorRef<StatusReply<OperationView>> r) {
            return new Waiting(accept, plus(finish, r), cancel, heldFailure);
        }

        Waiting onCancel(ActorRef<StatusReply<OperationView>> r) {
            return new Waiting(accept, finish, plus(cancel, r), heldFailure);
        }

        Waiting holding(OperationError failure) {
            return new Waiting(accept, finish, cancel, failure);
        }

        Waiting accepted() {
            return new Waiting(List.of(), finish, cancel, heldFailure);
        }

        Waiting cancelRefused() {
            return new Waiting(accept, finish, List.of(), null);
        }

        boolean cancelling() {
            return !cancel.isEmpty();
        }

        private static <T> List<T> plus(List<T> list, T item) {
            List<T> all = new ArrayList<>(list);
            all.add(item);
            return List.copyOf(all);
        }
    }

    /** Operations by id, and the unfinished ones a client asked to cancel. */
    public record State(Map<String, Operation> operations, Set<String> cancelRequested) implements JsonSerializable {

        public State {
            // snapshots from before cancels were journaled have none
            cancelRequested = cancelRequested == null ? Set.of() : cancelRequested;
        }

        Operation get(String id) {
            return operations.get(id);
        }

        Operation byKey(String key) {
            return operations.values().stream().filter(o -> key.equals(o.idempotencyKey())).findFirst().orElse(null);
        }

        boolean cancelAsked(String id) {
            return cancelRequested.contains(id);
        }

        State apply(OperationEvent event) {
            Map<String, Operation> next = new HashMap<>(operations);
            Set<String> cancels = new HashSet<>(cancelRequested);
            if (event instanceof OperationEvent.OperationStarted e) {
                next.put(e.id(), new Operation(e.id(), e.kind(), e.vmName(), null, OperationState.PENDING, null,
                        e.idempotencyKey(), e.request(), e.at(), e.at(), null));
            } else if (event instanceof OperationEvent.OperationRunning e) {
                next.computeIfPresent(e.id(), (id, o) -> o.running(e.vmId(), e.vmName(), e.at()));
            } else if (event instanceof OperationEvent.OperationSucceeded e) {
                next.computeIfPresent(e.id(), (id, o) -> o.finished(OperationState.SUCCEEDED, e.vmId(), null, e.at()));
            } else if (event instanceof OperationEvent.OperationFailed e) {
                next.computeIfPresent(e.id(), (id, o) -> o.finished(OperationState.FAILED, null, e.error(), e.at()));
            } else if (event instanceof OperationEvent.OperationCancelled e) {
                next.computeIfPresent(e.id(), (id, o) -> o.finished(OperationState.CANCELLED, null, null, e.at()));
            } else if (event instanceof OperationEvent.OperationCancelRequested e) {
                cancels.add(e.id());
            } else if (event instanceof OperationEvent.OperationsPruned e) {
                e.ids().forEach(next::remove);
            }
            cancels.removeIf(id -> next.get(id) == null || next.get(id).state().finished());
            return new State(Map.copyOf(next), Set.copyOf(cancels));
        }
    }

    /** How long a restarted daemon waits for a VM that was starting to settle before judging its operation. */
    private static final Duration RECHECK_INTERVAL = Duration.ofSeconds(1);
    private static final int RECHECK_ATTEMPTS = 60;
    private static final String RESTARTED = "the daemon restarted";

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ActorRef<VmFleet.Command> fleet;
    private final ActorRef<ImageOperations.Command> images;
    private final OperationSettings settings;
    private final Clock clock;

    // Actor-local and transient: who waits on each unfinished operation; for lifecycle operations, who waits for
    // the VM as it ended up, a lifecycle outcome held back while a cancel is in flight, and the VM each finished
    // operation of this daemon's run left (a deleted VM can no longer be asked); who waits for a shutdown drain.
    private final Map<String, Waiting> waiting = new HashMap<>();
    private final Map<String, List<ActorRef<StatusReply<VmView>>>> vmWaiters = new HashMap<>();
    private final Map<String, LifecycleFinished> heldOutcomes = new HashMap<>();
    private final Map<String, VmView> finalViews = new HashMap<>();
    private final Set<String> resumedCreates = new HashSet<>();
    private final Map<String, ActorRef<CreateWatcher.Message>> createWatchers = new HashMap<>();
    private final List<ActorRef<List<String>>> drainers = new ArrayList<>();
    private Drain draining;

    public static Behavior<Command> create(ActorRef<VmFleet.Command> fleet, OperationSettings settings, Clock clock) {
        return create(fleet, null, settings, clock);
    }

    /** @param images makes catalog images before their creates go on; null for no catalog */
    public static Behavior<Command> create(ActorRef<VmFleet.Command> fleet, ActorRef<ImageOperations.Command> images,
                                           OperationSettings settings, Clock clock) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            timers.startTimerWithFixedDelay(new Prune(), settings.pruneInterval());
            return new OperationRegistry(ctx, timers, fleet, images, settings, clock);
        }));
    }

    private OperationRegistry(ActorContext<Command> ctx, TimerScheduler<Command> timers,
                              ActorRef<VmFleet.Command> fleet, ActorRef<ImageOperations.Command> images,
                              OperationSettings settings, Clock clock) {
        super(PersistenceId.ofUniqueId("OperationRegistry"), JournalFailures.restartWithBackoff());
        this.ctx = ctx;
        this.timers = timers;
        this.fleet = fleet;
        this.images = images;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public State emptyState() {
        return new State(Map.of(), Set.of());
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        // only recovery reads this journal: events older than the kept snapshots can go (JournalCompactor purges them)
        return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), state -> {
                    List<String> pending = idsIn(state, OperationState.PENDING);
                    List<String> running = idsIn(state, OperationState.RUNNING);
                    if (!pending.isEmpty() || !running.isEmpty()) {
                        ctx.getSelf().tell(new RecoverInFlight(pending, running));
                    }
                })
                .build();
    }

    @Override
    public EventHandler<State, OperationEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
    }

    @Override
    public CommandHandlerWithReply<Command, OperationEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder()
                .forAnyState()
                .onCommand(CreateVm.class, this::onCreateVm)
                .onCommand(RunLifecycle.class, this::onRunLifecycle)
                .onCommand(AwaitVm.class, this::onAwaitVm)
                .onCommand(LifecycleAccepted.class, this::onLifecycleAccepted)
                .onCommand(LifecycleFinished.class, this::onLifecycleFinished)
                .onCommand(Get.class, this::onGet)
                .onCommand(ListOperations.class, this::onList)
                .onCommand(AwaitFinished.class, this::onAwaitFinished)
                .onCommand(Cancel.class, this::onCancel)
                .onCommand(CreateAccepted.class, this::onCreateAccepted)
                .onCommand(CreateFinished.class, this::onCreateFinished)
                .onCommand(CreateAwaitingImage.class, this::onCreateAwaitingImage)
                .onCommand(CreateAbandoned.class, this::onCreateAbandoned)
                .onCommand(CancelFinished.class, this::onCancelFinished)
                .onCommand(RecoverInFlight.class, this::onRecoverInFlight)
                .onCommand(PendingLookedUp.class, this::onPendingLookedUp)
                .onCommand(Recheck.class, this::onRecheck)
                .onCommand(Rechecked.class, this::onRechecked)
                .onCommand(Prune.class, this::onPrune)
                .onCommand(Drain.class, this::onDrain)
                .onCommand(DrainDeadline.class, this::onDrainDeadline)
                .build();
    }

    // ---- reads

    private ReplyEffect<OperationEvent, State> onGet(State s, Get c) {
        Operation op = s.get(c.id());
        return Effect().reply(c.replyTo(), op != null ? StatusReply.success(op.view())
                : StatusReply.error(notFound(c.id())));
    }

    private ReplyEffect<OperationEvent, State> onList(State s, ListOperations c) {
        return Effect().reply(c.replyTo(), s.operations().values().stream()
                .sorted(Comparator.comparing(Operation::createdAt).thenComparing(Operation::id).reversed())
                .map(Operation::view).toList());
    }

    private ReplyEffect<OperationEvent, State> onAwaitFinished(State s, AwaitFinished c) {
        Operation op = s.get(c.id());
        if (op == null) {
            return Effect().reply(c.replyTo(), StatusReply.error(notFound(c.id())));
        }
        if (op.state().finished()) {
            return Effect().reply(c.replyTo(), StatusReply.success(op.view()));
        }
        update(op.id(), w -> w.onFinish(c.replyTo()));
        return Effect().noReply();
    }

    // ---- create

    private ReplyEffect<OperationEvent, State> onCreateVm(State s, CreateVm c) {
        if (draining != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.UNAVAILABLE,
                    "the daemon is shutting down")));
        }
        if (c.idempotencyKey() != null) {
            Operation earlier = s.byKey(c.idempotencyKey());
            if (earlier != null) {
                if (!c.request().equals(earlier.request())) {
                    return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                            "Idempotency-Key was already used for a different request (operation " + earlier.id()
                                    + "); repeat that request exactly, or use a new key")));
                }
                return answerAccepted(earlier, c.replyTo());
            }
        }
        String id = newId();
        update(id, w -> w.onAccept(c.replyTo()));
        return Effect().persist(new OperationEvent.OperationStarted(id, Operation.CREATE_VM, c.request().name(),
                        c.idempotencyKey(), c.request(), clock.instant()))
                .thenRun(st -> createWatchers.put(id, ctx.spawn(CreateWatcher.create(id, c.request(), fleet, images,
                        ctx.getSelf(), settings.lifecycleTimeout()), "create-" + id)))
                .thenNoReply();
    }

    private ReplyEffect<OperationEvent, State> answerAccepted(Operation op, ActorRef<StatusReply<OperationView>> r) {
        if (op.state() == OperationState.PENDING) {
            update(op.id(), w -> w.onAccept(r));
            return Effect().noReply();
        }
        return Effect().reply(r, op.rejected() ? StatusReply.error(OperationErrors.asRejection(op.error()))
                : StatusReply.success(op.view()));
    }

    private ReplyEffect<OperationEvent, State> onCreateAccepted(State s, CreateAccepted c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.PENDING) {
            return Effect().noReply();
        }
        return Effect().persist(new OperationEvent.OperationRunning(op.id(), c.vmId(), null, clock.instant()))
                .thenRun(st -> {
                    Operation now = st.get(op.id());
                    Waiting w = waitingOn(op.id());
                    reply(w.accept(), StatusReply.success(now.view()));
                    update(op.id(), Waiting::accepted);
                    if (w.cancelling()) {
                        beginCancel(now);
                    }
                })
                .thenNoReply();
    }

    private ReplyEffect<OperationEvent, State> onCreateAwaitingImage(State s, CreateAwaitingImage c) {
        Operation op = s.get(c.operationId());
        if (op != null && op.state() == OperationState.PENDING) {
            reply(waitingOn(op.id()).accept(), StatusReply.success(op.view()));
            update(op.id(), Waiting::accepted);
        }
        return Effect().noReply();
    }

    private ReplyEffect<OperationEvent, State> onCreateAbandoned(State s, CreateAbandoned c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.PENDING) {
            return Effect().noReply();
        }
        return finish(new OperationEvent.OperationCancelled(op.id(), clock.instant()));
    }

    private ReplyEffect<OperationEvent, State> onCreateFinished(State s, CreateFinished c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state().finished()) {
            return Effect().noReply();
        }
        if (c.error() == null) {
            return finish(new OperationEvent.OperationSucceeded(op.id(), c.vm().id(), clock.instant()));
        }
        if (op.state() == OperationState.RUNNING && waitingOn(op.id()).cancelling()) {
            update(op.id(), w -> w.holding(c.error()));
            return Effect().noReply();
        }
        return finish(new OperationEvent.OperationFailed(op.id(), c.error(), clock.instant()));
    }

    // ---- lifecycle calls on an existing VM (start, stop, restart, delete)

    private ReplyEffect<OperationEvent, State> onRunLifecycle(State s, RunLifecycle c) {
        if (c.idempotencyKey() != null) {
            Operation earlier = s.byKey(c.idempotencyKey());
            if (earlier != null) {
                boolean same = earlier.kind().equals(c.action().kind())
                        && (c.ref().equals(earlier.vmName()) || c.ref().equals(earlier.vmId()));
                if (!same) {
                    return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                            "Idempotency-Key was already used for a different request (operation " + earlier.id()
                                    + "); repeat that request exactly, or use a new key")));
                }
                return answerAccepted(earlier, c.replyTo());
            }
        }
        String id = newId();
        update(id, w -> w.onAccept(c.replyTo()));
        return Effect().persist(new OperationEvent.OperationStarted(id, c.action().kind(), c.ref(),
                        c.idempotencyKey(), null, clock.instant()))
                .thenRun(st -> ctx.spawn(LifecycleWatcher.create(id, c.action(), c.ref(), fleet, ctx.getSelf(),
                        settings), c.action().verb() + "-" + id))
                .thenNoReply();
    }

    private ReplyEffect<OperationEvent, State> onLifecycleAccepted(State s, LifecycleAccepted c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.PENDING) {
            return Effect().noReply();
        }
        return Effect().persist(new OperationEvent.OperationRunning(op.id(), c.vmId(), c.vmName(), clock.instant()))
                .thenRun(st -> {
                    Operation now = st.get(op.id());
                    Waiting w = waitingOn(op.id());
                    reply(w.accept(), StatusReply.success(now.view()));
                    update(op.id(), Waiting::accepted);
                    if (w.cancelling()) {
                        beginCancel(now);
                    }
                })
                .thenNoReply();
    }

    private ReplyEffect<OperationEvent, State> onLifecycleFinished(State s, LifecycleFinished c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state().finished()) {
            return Effect().noReply();
        }
        if (op.state() == OperationState.RUNNING && waitingOn(op.id()).cancelling()) {
            // the cancel decides: the VM as the cancel leaves it, or (cancel refused) this outcome
            heldOutcomes.put(op.id(), c);
            return Effect().noReply();
        }
        return finishLifecycle(op, c);
    }

    private ReplyEffect<OperationEvent, State> finishLifecycle(Operation op, LifecycleFinished c) {
        if (c.vm() != null) {
            finalViews.put(op.id(), c.vm());
        }
        return finish(c.error() == null
                ? new OperationEvent.OperationSucceeded(op.id(), op.vmId(), clock.instant())
                : new OperationEvent.OperationFailed(op.id(), c.error(), clock.instant()));
    }

    private ReplyEffect<OperationEvent, State> onAwaitVm(State s, AwaitVm c) {
        Operation op = s.get(c.id());
        if (op == null) {
            return Effect().reply(c.replyTo(), StatusReply.error(notFound(c.id())));
        }
        if (!op.state().finished()) {
            vmWaiters.computeIfAbsent(op.id(), id -> new ArrayList<>()).add(c.replyTo());
            return Effect().noReply();
        }
        answerVm(op, c.replyTo());
        return Effect().noReply();
    }

    /** A finished lifecycle operation's VM: as it ended (or, after a daemon restart, as it is now), or its failure. */
    private void answerVm(Operation op, ActorRef<StatusReply<VmView>> replyTo) {
        switch (op.state()) {
            case SUCCEEDED -> {
                VmView last = finalViews.get(op.id());
                if (last != null) {
                    replyTo.tell(StatusReply.success(last));
                } else {
                    resolveVm(op.vmId()).thenCompose(vm -> AskPattern.<VmCommand, VmView>askWithStatus(vm,
                                    VmCommand.Get::new, settings.askTimeout(), ctx.getSystem().scheduler()))
                            .whenComplete((v, err) -> replyTo.tell(err == null ? StatusReply.success(v)
                                    : StatusReply.error(Rejected.of(err).map(Rejected::new).orElseGet(() ->
                                            new Rejected(Rejection.Reason.UNAVAILABLE,
                                                    "VM " + op.vmName() + " did not answer")))));
                }
            }
            case CANCELLED -> replyTo.tell(StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                    "the " + kindWords(op) + " of VM " + op.vmName() + " was cancelled (operation " + op.id() + ")")));
            default -> replyTo.tell(StatusReply.error(OperationErrors.asRejection(op.error())));
        }
    }

    private static String kindWords(Operation op) {
        VmLifecycle action = VmLifecycle.ofKind(op.kind());
        return action == null ? "creation" : action.verb();
    }

    /** Journals an operation's end and answers everyone waiting on it. */
    private ReplyEffect<OperationEvent, State> finish(OperationEvent outcome) {
        String id = idOf(outcome);
        return Effect().persist(outcome).thenRun(st -> {
            if (draining != null && unfinished(st).isEmpty()) {
                endDrain(st);
            }
            Operation op = st.get(id);
            Waiting w = waiting.getOrDefault(id, Waiting.NONE);
            waiting.remove(id);
            createWatchers.remove(id);
            reply(w.accept(), op.rejected() ? StatusReply.error(OperationErrors.asRejection(op.error()))
                    : StatusReply.success(op.view()));
            reply(w.finish(), StatusReply.success(op.view()));
            reply(w.cancel(), op.state() == OperationState.CANCELLED
                    ? StatusReply.success(op.view()) : StatusReply.error(nothingToCancel(op)));
            heldOutcomes.remove(id);
            List<ActorRef<StatusReply<VmView>>> vmWaiting = vmWaiters.remove(id);
            if (vmWaiting != null) {
                vmWaiting.forEach(r -> answerVm(op, r));
            }
        }).thenNoReply();
    }

    // ---- cancel

    private ReplyEffect<OperationEvent, State> onCancel(State s, Cancel c) {
        Operation op = s.get(c.id());
        if (op == null) {
            return Effect().reply(c.replyTo(), StatusReply.error(notFound(c.id())));
        }
        return switch (op.state()) {
            case CANCELLED -> Effect().reply(c.replyTo(), StatusReply.success(op.view()));
            case SUCCEEDED, FAILED -> Effect().reply(c.replyTo(), StatusReply.error(nothingToCancel(op)));
            case PENDING -> {
                // a create still waiting on its catalog image gives up at once (CreateAbandoned); one that already
                // asked the fleet is cancelled once the fleet has registered its VM (see onCreateAccepted)
                update(op.id(), w -> w.onCancel(c.replyTo()));
                ActorRef<CreateWatcher.Message> watcher = createWatchers.get(op.id());
                yield journalCancelAsked(s, op, () -> {
                    if (watcher != null) {
                        watcher.tell(new CreateWatcher.Abandon());
                    }
                });
            }
            case RUNNING -> {
                boolean first = !waitingOn(op.id()).cancelling();
                update(op.id(), w -> w.onCancel(c.replyTo()));
                yield journalCancelAsked(s, op, () -> {
                    if (first) {
                        beginCancel(op);
                    }
                });
            }
        };
    }

    private ReplyEffect<OperationEvent, State> journalCancelAsked(State s, Operation op, Runnable then) {
        if (s.cancelAsked(op.id())) {
            then.run();
            return Effect().noReply();
        }
        return Effect().persist(new OperationEvent.OperationCancelRequested(op.id(), clock.instant()))
                .thenRun(st -> then.run())
                .thenNoReply();
    }

    /**
     * A create's VM is deleted (its boot aborted). A start, stop or restart ends with the VM stopped: a kill queues
     * behind the operation's command, so it aborts a boot in flight (nothing is left running, the TAP is returned)
     * or stops the VM once a graceful stop has finished. A delete cannot be undone once the VM has begun it (its
     * intent is journaled and a restarted daemon finishes it): that cancel is refused and the VM is fully deleted.
     */
    private void beginCancel(Operation op) {
        VmLifecycle action = VmLifecycle.ofKind(op.kind());
        if (action == VmLifecycle.DELETE) {
            ctx.getSelf().tell(new CancelFinished(op.id(), null, new OperationError(Rejection.Reason.CONFLICT.code(),
                    "the delete of VM " + op.vmName() + " cannot be undone once begun; it completes")));
            return;
        }
        java.util.function.Function<ActorRef<StatusReply<VmView>>, VmCommand> cancel = action == null
                ? VmCommand.CancelCreate::new : VmCommand.Kill::new;
        Duration timeout = settings.lifecycleTimeout().multipliedBy(action == null ? 1 : action.transitions());
        CompletionStage<VmView> cancelled = resolveVm(op.vmId()).thenCompose(vm -> AskPattern.askWithStatus(vm,
                cancel::apply, timeout, ctx.getSystem().scheduler()));
        ctx.pipeToSelf(cancelled, (v, err) -> new CancelFinished(op.id(), v,
                err == null ? null : OperationErrors.of(err)));
    }

    private ReplyEffect<OperationEvent, State> onCancelFinished(State s, CancelFinished c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state().finished()) {
            return Effect().noReply();
        }
        if (c.error() == null) {
            if (c.vm() != null) {
                finalViews.put(op.id(), c.vm());
            }
            return finish(new OperationEvent.OperationCancelled(op.id(), clock.instant()));
        }
        // the VM would not be cancelled (a create already running, a delete under way): the operation's own
        // outcome stands
        Waiting w = waitingOn(op.id());
        reply(w.cancel(), StatusReply.error(OperationErrors.asRejection(c.error())));
        update(op.id(), Waiting::cancelRefused);
        if (w.heldFailure() != null) {
            return finish(new OperationEvent.OperationFailed(op.id(), w.heldFailure(), clock.instant()));
        }
        LifecycleFinished held = heldOutcomes.remove(op.id());
        if (held != null) {
            return finishLifecycle(op, held);
        }
        return Effect().noReply();
    }

    // ---- recovery

    private ReplyEffect<OperationEvent, State> onRecoverInFlight(State s, RecoverInFlight c) {
        c.pending().forEach(id -> {
            Operation op = s.get(id);
            if (op != null && op.state() == OperationState.PENDING) {
                // the fleet may have registered the VM before the daemon died, unbeknown to this registry: the name
                // is unique, and a VM of that name created since the operation began is the one it made
                CompletionStage<VmView> view = resolveVm(op.vmName()).thenCompose(vm -> AskPattern.askWithStatus(vm,
                        VmCommand.Get::new, settings.askTimeout(), ctx.getSystem().scheduler()));
                ctx.pipeToSelf(view, (v, err) -> new PendingLookedUp(id, v));
            }
        });
        c.running().forEach(id -> {
            Operation op = s.get(id);
            if (op != null && op.state() == OperationState.RUNNING) {
                recheck(op, 0);
            }
        });
        return Effect().noReply();
    }

    private ReplyEffect<OperationEvent, State> onPendingLookedUp(State s, PendingLookedUp c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.PENDING) {
            return Effect().noReply();
        }
        if (c.vm() == null || c.vm().createdAt() == null || c.vm().createdAt().isBefore(op.createdAt())) {
            return finish(new OperationEvent.OperationFailed(op.id(), new OperationError(
                    Rejection.Reason.OPERATION_FAILED.code(), RESTARTED + " before the VM was registered"),
                    clock.instant()));
        }
        return Effect().persist(new OperationEvent.OperationRunning(op.id(), c.vm().id(), null, clock.instant()))
                .thenRun(st -> {
                    reply(waitingOn(op.id()).accept(), StatusReply.success(st.get(op.id()).view()));
                    update(op.id(), Waiting::accepted);
                    recheck(st.get(op.id()), 0);
                })
                .thenNoReply();
    }

    private ReplyEffect<OperationEvent, State> onRecheck(State s, Recheck c) {
        Operation op = s.get(c.operationId());
        if (op != null && op.state() == OperationState.RUNNING) {
            recheck(op, c.attempt());
        }
        return Effect().noReply();
    }

    private void recheck(Operation op, int attempt) {
        CompletionStage<VmView> view = resolveVm(op.vmId()).thenCompose(vm -> AskPattern.askWithStatus(vm,
                VmCommand.Get::new, settings.askTimeout(), ctx.getSystem().scheduler()));
        ctx.pipeToSelf(view, (v, err) -> new Rechecked(op.id(), v, err, attempt));
    }

    private ReplyEffect<OperationEvent, State> onRechecked(State s, Rechecked c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.RUNNING) {
            return Effect().noReply();
        }
        VmLifecycle action = VmLifecycle.ofKind(op.kind());
        boolean gone = c.vm() == null
                && Rejected.of(c.failure()).map(r -> r.reason() == Rejection.Reason.NOT_FOUND).orElse(false);
        boolean cancelAsked = s.cancelAsked(op.id());
        if (action == null && cancelAsked && (gone || (c.vm() != null && c.vm().state().equals("deleted")))) {
            return finish(new OperationEvent.OperationCancelled(op.id(), clock.instant()));
        }
        if (c.vm() == null) {
            if (gone && action == VmLifecycle.DELETE) {
                return finish(new OperationEvent.OperationSucceeded(op.id(), op.vmId(), clock.instant()));
            }
            return finish(failedAfterRestart(op, "VM " + op.vmName() + (gone ? " is gone" : " did not answer")));
        }
        String state = c.vm().state();
        if (action == null && cancelAsked && state.equals("deleting") && c.attempt() < RECHECK_ATTEMPTS) {
            // the cancel reached the VM before the restart: its deletion resumes, and ends the operation cancelled
            timers.startSingleTimer("recheck-" + op.id(), new Recheck(op.id(), c.attempt() + 1), RECHECK_INTERVAL);
            return Effect().noReply();
        }
        if (action != null && action != VmLifecycle.DELETE && cancelAsked && state.equals("stopped")) {
            return finish(new OperationEvent.OperationCancelled(op.id(), clock.instant()));
        }
        if (action == null ? createdAsAsked(op, state) : reached(action, state)) {
            return finish(new OperationEvent.OperationSucceeded(op.id(), op.vmId(), clock.instant()));
        }
        boolean settling = state.equals("starting") || state.equals("stopping") || state.equals("deleting")
                || state.equals("suspending");
        if (settling && c.attempt() < RECHECK_ATTEMPTS) {
            timers.startSingleTimer("recheck-" + op.id(), new Recheck(op.id(), c.attempt() + 1), RECHECK_INTERVAL);
            return Effect().noReply();
        }
        boolean interruptedBoot = state.equals("stopped") || state.equals("created");
        if (action == null && !cancelAsked && startWanted(op) && interruptedBoot && resumedCreates.add(op.id())) {
            // the daemon died while this create's VM booted: the create goes on where it stopped, so that the
            // operation ends as its VM does (running, or failed with the boot's reason) rather than failed beside it
            ctx.getLog().info("operation {}: resuming the boot of VM {} after a daemon restart", op.id(), op.vmName());
            CompletionStage<VmView> started = resolveVm(op.vmId()).thenCompose(vm -> AskPattern.askWithStatus(vm,
                    VmCommand.Start::new, settings.lifecycleTimeout(), ctx.getSystem().scheduler()));
            ctx.pipeToSelf(started.exceptionallyCompose(err -> resolveVm(op.vmId()).thenCompose(vm ->
                            AskPattern.askWithStatus(vm, VmCommand.Get::new, settings.askTimeout(),
                                    ctx.getSystem().scheduler()))),
                    (v, err) -> new Rechecked(op.id(), v, err, c.attempt()));
            return Effect().noReply();
        }
        String reason = c.vm().stateReason() == null ? "" : " (" + c.vm().stateReason() + ")";
        return finish(failedAfterRestart(op, "VM " + op.vmName() + " is " + state + reason));
    }

    private static boolean startWanted(Operation op) {
        return op.request().start() == null || op.request().start();
    }

    private static boolean createdAsAsked(Operation op, String state) {
        return state.equals("running") || (!startWanted(op) && state.equals("created"));
    }

    /** Whether a VM in {@code state} is where the lifecycle call meant it to be. */
    private static boolean reached(VmLifecycle action, String state) {
        return switch (action) {
            case START, RESTART -> state.equals("running");
            case STOP -> state.equals("stopped") || state.equals("created") || state.equals("failed");
            case DELETE -> state.equals("deleted");
            case SUSPEND -> state.equals("suspended");
        };
    }

    private OperationEvent failedAfterRestart(Operation op, String detail) {
        String during = VmLifecycle.ofKind(op.kind()) == null ? "while the VM was being created"
                : "during the " + kindWords(op) + " of the VM";
        return new OperationEvent.OperationFailed(op.id(), new OperationError(
                Rejection.Reason.OPERATION_FAILED.code(), RESTARTED + " " + during + "; " + detail),
                clock.instant());
    }

    // ---- shutdown

    private ReplyEffect<OperationEvent, State> onDrain(State s, Drain c) {
        drainers.add(c.replyTo());
        if (draining == null) {
            draining = c;
            List<String> open = unfinished(s);
            if (open.isEmpty()) {
                endDrain(s);
                return Effect().noReply();
            }
            ctx.getLog().info("shutting down: waiting up to {} s for operations {}", c.finishWithin().toSeconds(), open);
            timers.startSingleTimer("drain", new DrainDeadline(false), c.finishWithin());
        }
        return Effect().noReply();
    }

    private ReplyEffect<OperationEvent, State> onDrainDeadline(State s, DrainDeadline c) {
        if (draining == null) {
            return Effect().noReply();
        }
        if (c.cancelled()) {
            endDrain(s);
            return Effect().noReply();
        }
        // what does not finish in time is cancelled (journaled, like a client's cancel), so it ends cancelled and
        // rolled back rather than half done; a pending one is cancelled once the fleet registered its VM
        List<Operation> open = s.operations().values().stream().filter(o -> !o.state().finished()).toList();
        open.forEach(op -> ctx.getLog().info("shutting down: cancelling operation {} (VM {})", op.id(), op.vmName()));
        List<OperationEvent> asked = open.stream().filter(op -> !s.cancelAsked(op.id()))
                .<OperationEvent>map(op -> new OperationEvent.OperationCancelRequested(op.id(), clock.instant()))
                .toList();
        timers.startSingleTimer("drain", new DrainDeadline(true), draining.cancelWithin());
        return Effect().persist(asked).thenRun(st -> open.forEach(op -> {
            boolean first = !waitingOn(op.id()).cancelling();
            update(op.id(), w -> w.onCancel(ctx.getSystem().ignoreRef()));
            if (first && op.state() == OperationState.RUNNING) {
                beginCancel(op);
            }
        })).thenNoReply();
    }

    private void endDrain(State s) {
        List<String> left = unfinished(s);
        if (!left.isEmpty()) {
            ctx.getLog().warn("shutting down with operations {} unfinished; they are settled after the restart", left);
        }
        timers.cancel("drain");
        drainers.forEach(d -> d.tell(left));
        drainers.clear();
    }

    private static List<String> unfinished(State s) {
        return s.operations().values().stream().filter(o -> !o.state().finished()).map(Operation::id).sorted()
                .toList();
    }

    // ---- pruning

    private ReplyEffect<OperationEvent, State> onPrune(State s, Prune c) {
        Instant cutoff = clock.instant().minus(settings.retention());
        List<String> expired = s.operations().values().stream()
                .filter(o -> o.finishedAt() != null && !o.finishedAt().isAfter(cutoff))
                .map(Operation::id).sorted().toList();
        if (expired.isEmpty()) {
            return Effect().noReply();
        }
        expired.forEach(finalViews::remove);
        return Effect().persist(new OperationEvent.OperationsPruned(expired, clock.instant())).thenNoReply();
    }

    // ---- helpers

    private CompletionStage<ActorRef<VmCommand>> resolveVm(String vmId) {
        return AskPattern.askWithStatus(fleet, r -> new VmFleet.Resolve(vmId, r), settings.askTimeout(),
                ctx.getSystem().scheduler());
    }

    private static String newId() {
        return "op-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private Waiting waitingOn(String id) {
        return waiting.getOrDefault(id, Waiting.NONE);
    }

    private void update(String id, java.util.function.UnaryOperator<Waiting> change) {
        waiting.put(id, change.apply(waitingOn(id)));
    }

    private static List<String> idsIn(State s, OperationState state) {
        return s.operations().values().stream().filter(o -> o.state() == state).map(Operation::id).sorted().toList();
    }

    private static void reply(List<ActorRef<StatusReply<OperationView>>> waiters, StatusReply<OperationView> answer) {
        waiters.forEach(w -> w.tell(answer));
    }

    private static String idOf(OperationEvent e) {
        if (e instanceof OperationEvent.OperationSucceeded s) {
            return s.id();
        } else if (e instanceof OperationEvent.OperationFailed f) {
            return f.id();
        } else if (e instanceof OperationEvent.OperationCancelled c) {
            return c.id();
        }
        throw new IllegalArgumentException("not an outcome: " + e);
    }

    private static Rejected nothingToCancel(Operation op) {
        return new Rejected(Rejection.Reason.CONFLICT,
                "operation " + op.id() + " already " + op.state().wireName() + "; there is nothing to cancel");
    }

    private static Rejected notFound(String id) {
        return new Rejected(Rejection.Reason.NOT_FOUND, "no operation " + id);
    }
}
