package banger.operation;

import banger.persistence.JournalFailures;
import banger.persistence.JsonSerializable;
import banger.vm.CreateVmRequest;
import banger.vm.RequestRejected;
import banger.vm.VmCommand;
import banger.vm.VmFleet;
import banger.vm.VmView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * Long-running requests as operations a client can poll and cancel. Today one kind: creating a VM through the
 * fleet. An operation is journaled when accepted (with its idempotency key and request), when its VM is
 * registered, and when it ends; finished operations are pruned after the retention. After a daemon restart an
 * operation still in flight is settled from its VM: succeeded if the VM is running (or was created without a
 * start), failed ("daemon restarted") otherwise.
 */
public final class OperationRegistry
        extends EventSourcedBehavior<OperationRegistry.Command, OperationEvent, OperationRegistry.State> {

    public sealed interface Command extends JsonSerializable {
    }

    /**
     * Starts creating a VM, or, for an idempotency key already seen with the same request, finds that operation.
     * Answers once the VM is registered (the operation is running) or refused (the refusal, as the error).
     */
    public record CreateVm(CreateVmRequest request, String idempotencyKey,
                           ActorRef<StatusReply<OperationView>> replyTo) implements Command {
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

    record CreateAccepted(String operationId, String vmId) implements Command {
    }

    record CreateFinished(String operationId, VmView vm, OperationError error) implements Command {
    }

    record CancelResolved(String operationId, ActorRef<VmCommand> vm, OperationError error) implements Command {
    }

    record CancelFinished(String operationId, OperationError error) implements Command {
    }

    record RecoverInFlight(List<String> pending, List<String> running) implements Command {
    }

    record Recheck(String operationId, int attempt) implements Command {
    }

    record RecheckResolved(String operationId, ActorRef<VmCommand> vm, int attempt) implements Command {
    }

    record Rechecked(String operationId, VmView vm, int attempt) implements Command {
    }

    record Prune() implements Command {
    }

    /** Operations by id. */
    public record State(Map<String, Operation> operations) implements JsonSerializable {

        Operation get(String id) {
            return operations.get(id);
        }

        Operation byKey(String key) {
            return operations.values().stream().filter(o -> key.equals(o.idempotencyKey())).findFirst().orElse(null);
        }

        State apply(OperationEvent event) {
            Map<String, Operation> next = new HashMap<>(operations);
            if (event instanceof OperationEvent.OperationStarted e) {
                next.put(e.id(), new Operation(e.id(), e.kind(), e.vmName(), null, OperationState.PENDING, null,
                        e.idempotencyKey(), e.request(), e.at(), e.at(), null));
            } else if (event instanceof OperationEvent.OperationRunning e) {
                next.computeIfPresent(e.id(), (id, o) -> o.running(e.vmId(), e.at()));
            } else if (event instanceof OperationEvent.OperationSucceeded e) {
                next.computeIfPresent(e.id(), (id, o) -> o.finished(OperationState.SUCCEEDED, e.vmId(), null, e.at()));
            } else if (event instanceof OperationEvent.OperationFailed e) {
                next.computeIfPresent(e.id(), (id, o) -> o.finished(OperationState.FAILED, null, e.error(), e.at()));
            } else if (event instanceof OperationEvent.OperationCancelled e) {
                next.computeIfPresent(e.id(), (id, o) -> o.finished(OperationState.CANCELLED, null, null, e.at()));
            } else if (event instanceof OperationEvent.OperationsPruned e) {
                e.ids().forEach(next::remove);
            }
            return new State(Map.copyOf(next));
        }
    }

    /** How long a restarted daemon waits for a VM that was starting to settle before judging its operation. */
    private static final Duration RECHECK_INTERVAL = Duration.ofSeconds(1);
    private static final int RECHECK_ATTEMPTS = 60;
    private static final String RESTARTED = "the daemon restarted";
    @SuppressWarnings("unchecked")
    private static final Class<ActorRef<VmCommand>> VM_REF = (Class<ActorRef<VmCommand>>) (Class<?>) ActorRef.class;

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ActorRef<VmFleet.Command> fleet;
    private final OperationSettings settings;
    private final Clock clock;

    // Actor-local: who waits for an operation to be accepted, to finish, or to be cancelled; and a create's
    // failure held back while its cancel is in flight (the cancel decides whether it ends failed or cancelled).
    private final Map<String, List<ActorRef<StatusReply<OperationView>>>> acceptWaiters = new HashMap<>();
    private final Map<String, List<ActorRef<StatusReply<OperationView>>>> finishWaiters = new HashMap<>();
    private final Map<String, List<ActorRef<StatusReply<OperationView>>>> cancelWaiters = new HashMap<>();
    private final Map<String, OperationError> heldFailures = new HashMap<>();

    public static Behavior<Command> create(ActorRef<VmFleet.Command> fleet, OperationSettings settings, Clock clock) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            timers.startTimerWithFixedDelay(new Prune(), settings.pruneInterval());
            return new OperationRegistry(ctx, timers, fleet, settings, clock);
        }));
    }

    private OperationRegistry(ActorContext<Command> ctx, TimerScheduler<Command> timers,
                              ActorRef<VmFleet.Command> fleet, OperationSettings settings, Clock clock) {
        super(PersistenceId.ofUniqueId("OperationRegistry"), JournalFailures.restartWithBackoff());
        this.ctx = ctx;
        this.timers = timers;
        this.fleet = fleet;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public State emptyState() {
        return new State(Map.of());
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(100, 2);
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
    public CommandHandler<Command, OperationEvent, State> commandHandler() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(CreateVm.class, this::onCreateVm)
                .onCommand(Get.class, (s, c) -> {
                    Operation op = s.get(c.id());
                    c.replyTo().tell(op != null ? StatusReply.success(op.view()) : StatusReply.error(notFound(c.id())));
                    return Effect().none();
                })
                .onCommand(ListOperations.class, (s, c) -> {
                    c.replyTo().tell(s.operations().values().stream()
                            .sorted(Comparator.comparing(Operation::createdAt).thenComparing(Operation::id).reversed())
                            .map(Operation::view).toList());
                    return Effect().none();
                })
                .onCommand(AwaitFinished.class, (s, c) -> {
                    Operation op = s.get(c.id());
                    if (op == null) {
                        c.replyTo().tell(StatusReply.error(notFound(c.id())));
                    } else if (op.state().finished()) {
                        c.replyTo().tell(StatusReply.success(op.view()));
                    } else {
                        waitersOf(finishWaiters, op.id()).add(c.replyTo());
                    }
                    return Effect().none();
                })
                .onCommand(Cancel.class, this::onCancel)
                .onCommand(CreateAccepted.class, this::onCreateAccepted)
                .onCommand(CreateFinished.class, this::onCreateFinished)
                .onCommand(CancelResolved.class, this::onCancelResolved)
                .onCommand(CancelFinished.class, this::onCancelFinished)
                .onCommand(RecoverInFlight.class, this::onRecoverInFlight)
                .onCommand(Recheck.class, (s, c) -> {
                    Operation op = s.get(c.operationId());
                    if (op != null && op.state() == OperationState.RUNNING) {
                        recheck(op, c.attempt());
                    }
                    return Effect().none();
                })
                .onCommand(RecheckResolved.class, this::onRecheckResolved)
                .onCommand(Rechecked.class, this::onRechecked)
                .onCommand(Prune.class, this::onPrune)
                .build();
    }

    // ---- create

    private Effect<OperationEvent, State> onCreateVm(State s, CreateVm c) {
        if (c.idempotencyKey() != null) {
            Operation earlier = s.byKey(c.idempotencyKey());
            if (earlier != null) {
                if (!earlier.request().equals(c.request())) {
                    c.replyTo().tell(StatusReply.error(new RequestRejected(RequestRejected.Reason.CONFLICT,
                            "Idempotency-Key was already used for a different request (operation " + earlier.id()
                                    + "); repeat that request exactly, or use a new key")));
                } else {
                    answerAccepted(earlier, c.replyTo());
                }
                return Effect().none();
            }
        }
        String id = "op-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        waitersOf(acceptWaiters, id).add(c.replyTo());
        return Effect().persist(new OperationEvent.OperationStarted(id, Operation.CREATE_VM, c.request().name(),
                        c.idempotencyKey(), c.request(), clock.instant()))
                .thenRun(st -> {
                    ActorRef<Object> watcher = ctx.spawn(CreateWatcher.create(id, ctx.getSelf(),
                            settings.lifecycleTimeout()), "create-" + id);
                    fleet.tell(new VmFleet.Create(c.request(), watcher.narrow(), watcher.narrow()));
                });
    }

    private void answerAccepted(Operation op, ActorRef<StatusReply<OperationView>> replyTo) {
        if (op.state() == OperationState.PENDING) {
            waitersOf(acceptWaiters, op.id()).add(replyTo);
        } else if (op.rejected()) {
            replyTo.tell(StatusReply.error(op.error().asRejection()));
        } else {
            replyTo.tell(StatusReply.success(op.view()));
        }
    }

    private Effect<OperationEvent, State> onCreateAccepted(State s, CreateAccepted c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.PENDING) {
            return Effect().none();
        }
        return Effect().persist(new OperationEvent.OperationRunning(op.id(), c.vmId(), clock.instant()))
                .thenRun(st -> {
                    Operation now = st.get(op.id());
                    reply(acceptWaiters.remove(op.id()), StatusReply.success(now.view()));
                    if (cancelWaiters.containsKey(op.id())) {
                        beginCancel(now);
                    }
                });
    }

    private Effect<OperationEvent, State> onCreateFinished(State s, CreateFinished c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state().finished()) {
            return Effect().none();
        }
        if (c.error() == null) {
            return finish(new OperationEvent.OperationSucceeded(op.id(), c.vm().id(), clock.instant()));
        }
        if (op.state() == OperationState.RUNNING && cancelWaiters.containsKey(op.id())) {
            heldFailures.put(op.id(), c.error());
            return Effect().none();
        }
        return finish(new OperationEvent.OperationFailed(op.id(), c.error(), clock.instant()));
    }

    /** Journals an operation's end and answers everyone waiting on it. */
    private Effect<OperationEvent, State> finish(OperationEvent outcome) {
        String id = idOf(outcome);
        return Effect().persist(outcome).thenRun(st -> {
            Operation op = st.get(id);
            heldFailures.remove(id);
            StatusReply<OperationView> asAccepted = op.rejected()
                    ? StatusReply.error(op.error().asRejection()) : StatusReply.success(op.view());
            reply(acceptWaiters.remove(id), asAccepted);
            reply(finishWaiters.remove(id), StatusReply.success(op.view()));
            reply(cancelWaiters.remove(id), op.state() == OperationState.CANCELLED
                    ? StatusReply.success(op.view()) : StatusReply.error(nothingToCancel(op)));
        });
    }

    // ---- cancel

    private Effect<OperationEvent, State> onCancel(State s, Cancel c) {
        Operation op = s.get(c.id());
        if (op == null) {
            c.replyTo().tell(StatusReply.error(notFound(c.id())));
            return Effect().none();
        }
        switch (op.state()) {
            case CANCELLED -> c.replyTo().tell(StatusReply.success(op.view()));
            case SUCCEEDED, FAILED -> c.replyTo().tell(StatusReply.error(nothingToCancel(op)));
            case PENDING -> waitersOf(cancelWaiters, op.id()).add(c.replyTo());
            case RUNNING -> {
                boolean first = !cancelWaiters.containsKey(op.id());
                waitersOf(cancelWaiters, op.id()).add(c.replyTo());
                if (first) {
                    beginCancel(op);
                }
            }
        }
        return Effect().none();
    }

    private void beginCancel(Operation op) {
        ctx.askWithStatus(VM_REF, fleet, settings.askTimeout(), r -> new VmFleet.Resolve(op.vmId(), r),
                (vm, err) -> new CancelResolved(op.id(), vm, err == null ? null : OperationError.of(err)));
    }

    private Effect<OperationEvent, State> onCancelResolved(State s, CancelResolved c) {
        if (c.error() != null) {
            return cancelRefused(s, c.operationId(), c.error());
        }
        ctx.askWithStatus(VmView.class, c.vm(), settings.lifecycleTimeout(), VmCommand.CancelCreate::new,
                (v, err) -> new CancelFinished(c.operationId(), err == null ? null : OperationError.of(err)));
        return Effect().none();
    }

    private Effect<OperationEvent, State> onCancelFinished(State s, CancelFinished c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state().finished()) {
            return Effect().none();
        }
        if (c.error() == null) {
            return finish(new OperationEvent.OperationCancelled(op.id(), clock.instant()));
        }
        return cancelRefused(s, op.id(), c.error());
    }

    /** The VM would not be cancelled (it is already running, say): the create's own outcome stands. */
    private Effect<OperationEvent, State> cancelRefused(State s, String id, OperationError error) {
        reply(cancelWaiters.remove(id), StatusReply.error(error.asRejection()));
        OperationError held = heldFailures.remove(id);
        Operation op = s.get(id);
        if (held != null && op != null && !op.state().finished()) {
            return finish(new OperationEvent.OperationFailed(id, held, clock.instant()));
        }
        return Effect().none();
    }

    // ---- recovery

    private Effect<OperationEvent, State> onRecoverInFlight(State s, RecoverInFlight c) {
        Instant now = clock.instant();
        List<OperationEvent> failed = c.pending().stream().filter(id -> s.get(id) != null
                        && s.get(id).state() == OperationState.PENDING)
                .<OperationEvent>map(id -> new OperationEvent.OperationFailed(id, new OperationError(
                        RequestRejected.Reason.OPERATION_FAILED.code,
                        RESTARTED + " before the VM was registered"), now))
                .toList();
        Runnable recheckRunning = () -> c.running().forEach(id -> {
            Operation op = s.get(id);
            if (op != null && op.state() == OperationState.RUNNING) {
                recheck(op, 0);
            }
        });
        if (failed.isEmpty()) {
            recheckRunning.run();
            return Effect().none();
        }
        return Effect().persist(failed).thenRun(st -> recheckRunning.run());
    }

    private void recheck(Operation op, int attempt) {
        ctx.askWithStatus(VM_REF, fleet, settings.askTimeout(), r -> new VmFleet.Resolve(op.vmId(), r),
                (vm, err) -> new RecheckResolved(op.id(), vm, attempt));
    }

    private Effect<OperationEvent, State> onRecheckResolved(State s, RecheckResolved c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.RUNNING) {
            return Effect().none();
        }
        if (c.vm() == null) {
            return finish(failedAfterRestart(op, "VM " + op.vmName() + " is gone"));
        }
        ctx.ask(VmView.class, c.vm(), settings.askTimeout(), VmCommand.Get::new,
                (v, err) -> new Rechecked(op.id(), v, c.attempt()));
        return Effect().none();
    }

    private Effect<OperationEvent, State> onRechecked(State s, Rechecked c) {
        Operation op = s.get(c.operationId());
        if (op == null || op.state() != OperationState.RUNNING) {
            return Effect().none();
        }
        if (c.vm() == null) {
            return finish(failedAfterRestart(op, "VM " + op.vmName() + " did not answer"));
        }
        String state = c.vm().state();
        boolean startWanted = op.request().start() == null || op.request().start();
        if (state.equals("running") || (!startWanted && state.equals("created"))) {
            return finish(new OperationEvent.OperationSucceeded(op.id(), op.vmId(), clock.instant()));
        }
        if (state.equals("starting") && c.attempt() < RECHECK_ATTEMPTS) {
            timers.startSingleTimer("recheck-" + op.id(), new Recheck(op.id(), c.attempt() + 1), RECHECK_INTERVAL);
            return Effect().none();
        }
        String reason = c.vm().stateReason() == null ? "" : " (" + c.vm().stateReason() + ")";
        return finish(failedAfterRestart(op, "VM " + op.vmName() + " is " + state + reason));
    }

    private OperationEvent failedAfterRestart(Operation op, String detail) {
        return new OperationEvent.OperationFailed(op.id(), new OperationError(
                RequestRejected.Reason.OPERATION_FAILED.code, RESTARTED + " while the VM was being created; " + detail),
                clock.instant());
    }

    // ---- pruning

    private Effect<OperationEvent, State> onPrune(State s, Prune c) {
        Instant cutoff = clock.instant().minus(settings.retention());
        List<String> expired = s.operations().values().stream()
                .filter(o -> o.finishedAt() != null && !o.finishedAt().isAfter(cutoff))
                .map(Operation::id).sorted().toList();
        if (expired.isEmpty()) {
            return Effect().none();
        }
        return Effect().persist(new OperationEvent.OperationsPruned(expired, clock.instant()));
    }

    // ---- helpers

    private static List<String> idsIn(State s, OperationState state) {
        return s.operations().values().stream().filter(o -> o.state() == state).map(Operation::id).sorted().toList();
    }

    private static List<ActorRef<StatusReply<OperationView>>> waitersOf(
            Map<String, List<ActorRef<StatusReply<OperationView>>>> waiters, String id) {
        return waiters.computeIfAbsent(id, k -> new ArrayList<>());
    }

    private static void reply(List<ActorRef<StatusReply<OperationView>>> waiters, StatusReply<OperationView> answer) {
        if (waiters != null) {
            waiters.forEach(w -> w.tell(answer));
        }
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

    private static RequestRejected nothingToCancel(Operation op) {
        return new RequestRejected(RequestRejected.Reason.CONFLICT,
                "operation " + op.id() + " already " + op.state().wireName() + "; there is nothing to cancel");
    }

    private static RequestRejected notFound(String id) {
        return new RequestRejected(RequestRejected.Reason.NOT_FOUND, "no operation " + id);
    }
}
