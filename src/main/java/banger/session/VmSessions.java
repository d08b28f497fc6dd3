package banger.session;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.vm.VmEvent;
import banger.wire.VmView;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * The guest sessions of one VM. The guest is their source of truth (its supervisor keeps the process, the
 * output and the exit code); this actor keeps what it last read, answers the API, serialises writes to each
 * session's stdin, and journals SessionStarted / SessionExited / SessionLost / SessionRemoved in the VM's history.
 * It is not persistent: it starts from the VM's journal and reads the guest again. Every SSH call runs on the
 * sessions executor and comes back by pipeToSelf, so a slow guest never holds this actor, nor the VM's own.
 */
public final class VmSessions {

    /** VM states in which the guest's processes may still run on later. */
    private static final Set<String> KEEPS_PROCESSES = Set.of("paused", "suspending", "suspended", "starting");

    public sealed interface Command {
    }

    public record Start(StartSessionRequest request, ActorRef<StatusReply<SessionView>> replyTo) implements Command {
    }

    public record ListSessions(ActorRef<StatusReply<List<SessionView>>> replyTo) implements Command {
    }

    public record Get(String session, ActorRef<StatusReply<SessionView>> replyTo) implements Command {
    }

    /** The session, freshly read, and the guest address its streams connect to (the VM must run). */
    public record Locate(String session, ActorRef<StatusReply<Located>> replyTo) implements Command {
    }

    public record Located(String address, SessionView session) {
    }

    public record Input(String session, byte[] bytes, boolean eof, ActorRef<StatusReply<SessionView>> replyTo)
            implements Command {
    }

    public record Signal(String session, String signal, ActorRef<StatusReply<SessionView>> replyTo)
            implements Command {
    }

    public record Remove(String session, ActorRef<StatusReply<SessionView>> replyTo) implements Command {
    }

    private record Recovered(List<VmEvent.SessionEvent> events, Throwable failure) implements Command {
    }

    private record Snapshot(VmView vm, List<GuestSessionRecord> records) {
    }

    private record Refreshed(long seq, Snapshot snapshot, Throwable failure) implements Command {
    }

    private record Tick() implements Command {
    }

    private record StartDone(Start start, String id, Throwable failure) implements Command {
    }

    private record InputDone(Input input, String id, GuestSessions.InputResult result, Throwable failure)
            implements Command {
    }

    private record SignalDone(Signal signal, String id, GuestSessions.InputResult result, Throwable failure)
            implements Command {
    }

    private record RemoveDone(Remove remove, String id, Throwable failure) implements Command {
    }

    private static final String POLL = "poll";

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final String vmId;
    private final SessionHost host;
    private final GuestSessions guest;
    private final Executor io;
    private final SessionSettings settings;
    private final Clock clock;

    // Actor-local: the sessions as last known (by id, in start order), the ids removed, waiters for a guest read.
    private final Map<String, SessionView> sessions = new LinkedHashMap<>();
    private final Set<String> removed = new HashSet<>();
    private final List<Consumer<Snapshot>> afterRefresh = new ArrayList<>();
    private final Map<String, ArrayDeque<Input>> inputQueues = new HashMap<>();
    private final Set<String> writing = new HashSet<>();
    private boolean refreshing;
    /** Set (on the I/O thread) once this guest has the supervisor: later starts skip the install round trip. */
    private final java.util.concurrent.atomic.AtomicBoolean installed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Counts guest reads launched; a session that began running during read N is not judged by read N. */
    private long refreshSeq;
    private final Map<String, Long> runningSinceRead = new HashMap<>();

    public static Behavior<Command> create(String vmId, SessionHost host, GuestSessions guest, Executor io,
                                           SessionSettings settings, Clock clock) {
        return Behaviors.withStash(1000, stash -> Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            VmSessions actor = new VmSessions(ctx, timers, vmId, host, guest, io, settings, clock);
            ctx.pipeToSelf(host.journal(vmId), Recovered::new);
            return actor.recovering(stash);
        })));
    }

    private VmSessions(ActorContext<Command> ctx, TimerScheduler<Command> timers, String vmId, SessionHost host,
                       GuestSessions guest, Executor io, SessionSettings settings, Clock clock) {
        this.ctx = ctx;
        this.timers = timers;
        this.vmId = vmId;
        this.host = host;
        this.guest = guest;
        this.io = io;
        this.settings = settings;
        this.clock = clock;
    }

    /** Until the journal is read, commands wait. */
    private Behavior<Command> recovering(StashBuffer<Command> stash) {
        return Behaviors.receive(Command.class)
                .onMessage(Recovered.class, r -> {
                    if (r.failure() != null) {
                        ctx.getLog().warn("VM {}: reading its session history failed: {}", vmId, r.failure().toString());
                    } else {
                        r.events().forEach(this::replay);
                    }
                    refresh(s -> {
                    });
                    return stash.unstashAll(active());
                })
                .onAnyMessage(m -> {
                    stash.stash(m);
                    return Behaviors.same();
                })
                .build();
    }

    private void replay(VmEvent.SessionEvent e) {
        if (e instanceof VmEvent.SessionStarted s) {
            sessions.put(s.session(), new SessionView(s.session(), s.name(), vmId, s.argv(), s.tty(),
                    SessionView.RUNNING, null, s.at(), null, 0, 0, false, null));
        } else if (e instanceof VmEvent.SessionExited x) {
            sessions.computeIfPresent(x.session(), (k, v) -> v.withState(SessionView.EXITED, x.exitCode(), x.at(), null));
        } else if (e instanceof VmEvent.SessionLost l) {
            sessions.computeIfPresent(l.session(), (k, v) -> v.withState(SessionView.LOST, null, l.at(), l.reason()));
        } else if (e instanceof VmEvent.SessionRemoved r) {
            sessions.remove(r.session());
            removed.add(r.session());
        }
    }

    private Behavior<Command> active() {
        return Behaviors.receive(Command.class)
                .onMessage(Start.class, this::onStart)
                .onMessage(StartDone.class, this::onStartDone)
                .onMessage(ListSessions.class, c -> {
                    refresh(s -> c.replyTo().tell(StatusReply.success(List.copyOf(sessions.values()))));
                    return Behaviors.same();
                })
                .onMessage(Get.class, c -> {
                    refresh(s -> c.replyTo().tell(found(c.session())));
                    return Behaviors.same();
                })
                .onMessage(Locate.class, c -> {
                    refresh(s -> c.replyTo().tell(located(s, c.session())));
                    return Behaviors.same();
                })
                .onMessage(Input.class, this::onInput)
                .onMessage(InputDone.class, this::onInputDone)
                .onMessage(Signal.class, this::onSignal)
                .onMessage(SignalDone.class, this::onSignalDone)
                .onMessage(Remove.class, this::onRemove)
                .onMessage(RemoveDone.class, this::onRemoveDone)
                .onMessage(Tick.class, t -> {
                    refresh(s -> {
                    });
                    return Behaviors.same();
                })
                .onMessage(Refreshed.class, this::onRefreshed)
                .build();
    }

    // ---- start

    private Behavior<Command> onStart(Start c) {
        StartSessionRequest r = c.request();
        if (r.name() != null && find(r.name()) != null) {
            c.replyTo().tell(StatusReply.error(conflict("a session named " + r.name() + " exists on this VM")));
            return Behaviors.same();
        }
        long held = sessions.values().stream().filter(s -> !SessionView.LOST.equals(s.state())).count();
        if (held >= settings.maxPerVm()) {
            c.replyTo().tell(StatusReply.error(conflict("the VM holds " + held + " sessions, the most it may ("
                    + "banger.sessions.max-per-vm); remove ended ones with DELETE")));
            return Behaviors.same();
        }
        String id = SessionIds.next();
        Instant now = clock.instant();
        boolean tty = Boolean.TRUE.equals(r.tty());
        SessionView view = new SessionView(id, r.name(), vmId, r.argv(), tty, SessionView.STARTING, null, now, null,
                0, 0, false, null);
        sessions.put(id, view);
        byte[] meta = new SessionMeta(r.name(), r.argv(), tty, now).toJson();
        List<String> argv = tty ? List.of(banger.guest.ShellQuote.join(r.argv())) : r.argv();
        CompletionStage<Void> started = runningVm().thenAcceptAsync(vm -> {
            if (!installed.get()) {
                guest.install(vm.address());
                installed.set(true);
            }
            guest.start(vm.address(), id, meta, settings.maxOutputBytes(), r.cwd(), tty,
                    r.env() == null ? Map.of() : r.env(), argv);
        }, io);
        ctx.pipeToSelf(started, (v, err) -> new StartDone(c, id, err));
        return Behaviors.same();
    }

    private Behavior<Command> onStartDone(StartDone d) {
        SessionView view = sessions.get(d.id());
        if (d.failure() != null || view == null) {
            // the guest may have lost the script (a fresh disk): the next start installs it again
            installed.set(false);
            sessions.remove(d.id());
            d.start().replyTo().tell(StatusReply.error(rejection("start the session", d.failure())));
            return Behaviors.same();
        }
        SessionView running = view.withState(SessionView.RUNNING, null, null, null);
        sessions.put(d.id(), running);
        runningSinceRead.put(d.id(), refreshSeq);
        record(new VmEvent.SessionStarted(d.id(), view.name(), view.argv(), view.tty(), view.startedAt()));
        d.start().replyTo().tell(StatusReply.success(running));
        keepPolling();
        return Behaviors.same();
    }

    // ---- stdin, signals, removal

    private Behavior<Command> onInput(Input c) {
        SessionView s = find(c.session());
        if (s == null) {
            c.replyTo().tell(StatusReply.error(notFound(c.session())));
        } else if (!s.live()) {
            c.replyTo().tell(StatusReply.error(conflict("session " + s.id() + " has " + s.state()
                    + "; it takes no input")));
        } else if (s.stdinClosed()) {
            c.replyTo().tell(StatusReply.error(conflict("session " + s.id() + "'s stdin is closed")));
        } else {
            ArrayDeque<Input> queue = inputQueues.computeIfAbsent(s.id(), k -> new ArrayDeque<>());
            if (queue.size() >= settings.maxQueuedInput()) {
                c.replyTo().tell(StatusReply.error(new Rejected(Rejection.Reason.TOO_MANY_REQUESTS,
                        "too many writes to session " + s.id() + " are waiting; retry shortly")));
            } else {
                queue.add(c);
                writeNext(s.id());
            }
        }
        return Behaviors.same();
    }

    /** One write per session at a time, in arrival order: stdin gets the bytes in the order the API took them. */
    private void writeNext(String id) {
        ArrayDeque<Input> queue = inputQueues.get(id);
        if (writing.contains(id) || queue == null || queue.isEmpty()) {
            return;
        }
        Input next = queue.poll();
        writing.add(id);
        ctx.pipeToSelf(runningVm().thenApplyAsync(vm -> guest.input(vm.address(), id, next.bytes(), next.eof()), io),
                (result, err) -> new InputDone(next, id, result, err));
    }

    private Behavior<Command> onInputDone(InputDone d) {
        writing.remove(d.id());
        SessionView s = sessions.get(d.id());
        if (d.failure() != null) {
            d.input().replyTo().tell(StatusReply.error(rejection("write to the session", d.failure())));
        } else if (d.result() == GuestSessions.InputResult.DONE) {
            if (d.input().eof() && s != null) {
                s = s.withOutput(s.outputStart(), s.outputBytes(), true);
                sessions.put(d.id(), s);
            }
            d.input().replyTo().tell(s == null ? StatusReply.error(notFound(d.id())) : StatusReply.success(s));
        } else {
            d.input().replyTo().tell(StatusReply.error(refusal(d.id(), d.result())));
        }
        writeNext(d.id());
        return Behaviors.same();
    }

    private Behavior<Command> onSignal(Signal c) {
        SessionView s = find(c.session());
        if (s == null) {
            c.replyTo().tell(StatusReply.error(notFound(c.session())));
        } else if (!s.live()) {
            c.replyTo().tell(StatusReply.error(conflict("session " + s.id() + " has " + s.state())));
        } else {
            ctx.pipeToSelf(runningVm().thenApplyAsync(vm -> guest.signal(vm.address(), s.id(), c.signal()), io),
                    (result, err) -> new SignalDone(c, s.id(), result, err));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onSignalDone(SignalDone d) {
        SessionView s = sessions.get(d.id());
        if (d.failure() != null) {
            d.signal().replyTo().tell(StatusReply.error(rejection("signal the session", d.failure())));
        } else if (d.result() == GuestSessions.InputResult.DONE && s != null) {
            d.signal().replyTo().tell(StatusReply.success(s));
        } else {
            d.signal().replyTo().tell(StatusReply.error(refusal(d.id(), d.result())));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onRemove(Remove c) {
        SessionView s = find(c.session());
        if (s == null) {
            c.replyTo().tell(StatusReply.error(notFound(c.session())));
            return Behaviors.same();
        }
        // a VM that does not run keeps the directory; the journal's SessionRemoved hides it from then on
        CompletionStage<Void> gone = host.vm(vmId).thenAcceptAsync(vm -> {
            if ("running".equals(vm.state()) && vm.address() != null) {
                guest.remove(vm.address(), s.id());
            }
        }, io);
        ctx.pipeToSelf(gone, (v, err) -> new RemoveDone(c, s.id(), err));
        return Behaviors.same();
    }

    private Behavior<Command> onRemoveDone(RemoveDone d) {
        if (d.failure() != null) {
            d.remove().replyTo().tell(StatusReply.error(rejection("remove the session", d.failure())));
            return Behaviors.same();
        }
        SessionView s = sessions.remove(d.id());
        runningSinceRead.remove(d.id());
        removed.add(d.id());
        record(new VmEvent.SessionRemoved(d.id(), clock.instant()));
        d.remove().replyTo().tell(s == null ? StatusReply.error(notFound(d.id())) : StatusReply.success(s));
        keepPolling();
        return Behaviors.same();
    }

    // ---- reading the guest

    /** Reads the VM and its guest's sessions (one read at a time; callers arriving meanwhile share it). */
    private void refresh(Consumer<Snapshot> then) {
        afterRefresh.add(then);
        if (refreshing) {
            return;
        }
        refreshing = true;
        long seq = ++refreshSeq;
        CompletionStage<Snapshot> read = host.vm(vmId).thenCompose(vm -> {
            if (!"running".equals(vm.state()) || vm.address() == null) {
                return CompletableFuture.completedFuture(new Snapshot(vm, null));
            }
            return CompletableFuture.supplyAsync(() -> new Snapshot(vm, guest.list(vm.address())), io);
        });
        ctx.pipeToSelf(read, (snapshot, err) -> new Refreshed(seq, snapshot, err));
    }

    private Behavior<Command> onRefreshed(Refreshed r) {
        refreshing = false;
        List<Consumer<Snapshot>> waiting = List.copyOf(afterRefresh);
        afterRefresh.clear();
        Throwable failure = unwrap(r.failure());
        if (failure instanceof Rejected rejected && rejected.reason() == Rejection.Reason.NOT_FOUND) {
            // the VM is gone, and its sessions with it
            waiting.forEach(w -> w.accept(null));
            return Behaviors.stopped();
        }
        if (failure != null) {
            ctx.getLog().info("VM {}: its sessions could not be read: {}", vmId, failure.toString());
        } else if (r.snapshot().records() == null) {
            VmView vm = r.snapshot().vm();
            boolean stopped = "stopping".equals(vm.state()) || "stopped".equals(vm.state());
            // a paused or suspended guest keeps its processes, and a start may resume them (a cold boot's first
            // listing tells them lost): its sessions stay as they were until it runs on
            if (!KEEPS_PROCESSES.contains(vm.state())) {
                loseLive("VM " + vm.name() + (stopped ? " stopped" : " is " + vm.state())
                        + (vm.stateReason() == null ? "" : " (" + vm.stateReason() + ")"));
            }
        } else {
            merge(r.snapshot().records(), r.seq());
        }
        waiting.forEach(w -> w.accept(failure == null ? r.snapshot() : null));
        keepPolling();
        return Behaviors.same();
    }

    private void merge(List<GuestSessionRecord> records, long seq) {
        Set<String> seen = new HashSet<>();
        for (GuestSessionRecord g : records) {
            if (removed.contains(g.id())) {
                continue;
            }
            seen.add(g.id());
            SessionView known = sessions.get(g.id());
            String state;
            String reason = null;
            if (g.exitCode() != null) {
                state = SessionView.EXITED;
            } else if (g.alive()) {
                state = SessionView.RUNNING;
            } else {
                state = SessionView.LOST;
                reason = g.sameBoot() ? "its supervisor in the guest is gone" : "the VM restarted";
            }
            if (known == null) {
                known = new SessionView(g.id(), g.meta().name(), vmId, g.meta().argv(), g.meta().tty(), state,
                        g.exitCode(), g.meta().startedAt(), g.endedAt(), 0, 0, false, reason);
            } else if (SessionView.RUNNING.equals(known.state()) && !SessionView.RUNNING.equals(state)) {
                Instant at = g.endedAt() != null ? g.endedAt() : clock.instant();
                known = known.withState(state, g.exitCode(), at, reason);
                record(SessionView.EXITED.equals(state) ? new VmEvent.SessionExited(g.id(), g.exitCode(), at)
                        : new VmEvent.SessionLost(g.id(), reason, at));
            }
            sessions.put(g.id(), known.withOutput(g.outputStart(), g.outputEnd(), g.stdinClosed()));
        }
        for (SessionView s : List.copyOf(sessions.values())) {
            // a listing taken while a start was completing may predate that session's directory
            boolean listedAfterStart = runningSinceRead.getOrDefault(s.id(), -1L) < seq;
            if (SessionView.RUNNING.equals(s.state()) && !seen.contains(s.id()) && listedAfterStart) {
                lose(s, "its directory is gone from the guest");
            }
        }
    }

    private void loseLive(String reason) {
        for (SessionView s : List.copyOf(sessions.values())) {
            if (SessionView.RUNNING.equals(s.state())) {
                lose(s, reason);
            }
        }
    }

    private void lose(SessionView s, String reason) {
        Instant now = clock.instant();
        sessions.put(s.id(), s.withState(SessionView.LOST, null, now, reason));
        record(new VmEvent.SessionLost(s.id(), reason, now));
    }

    /** Polls the guest while a session runs, so exits are journaled without anyone asking. */
    private void keepPolling() {
        boolean running = sessions.values().stream().anyMatch(SessionView::live);
        if (running && !timers.isTimerActive(POLL)) {
            timers.startTimerWithFixedDelay(POLL, new Tick(), settings.pollInterval());
        } else if (!running && timers.isTimerActive(POLL)) {
            timers.cancel(POLL);
        }
    }

    private void record(VmEvent.SessionEvent event) {
        host.record(vmId, event).whenComplete((done, err) -> {
            if (err != null) {
                ctx.getSystem().log().warn("VM {}: journaling {} failed: {}", vmId, event, err.toString());
            }
        });
    }

    // ---- helpers

    /** The VM, if it runs with a guest address; otherwise the stage fails with 409. */
    private CompletionStage<VmView> runningVm() {
        return host.vm(vmId).thenApply(vm -> {
            if (!"running".equals(vm.state())) {
                throw conflict("VM " + vm.name() + " is " + vm.state() + "; start it to use sessions");
            }
            if (vm.address() == null) {
                throw conflict("VM " + vm.name() + " has no guest network address (daemon runs without network)");
            }
            return vm;
        });
    }

    private SessionView find(String ref) {
        SessionView byId = sessions.get(ref);
        if (byId != null) {
            return byId;
        }
        return sessions.values().stream().filter(s -> ref.equals(s.name()))
                .max(Comparator.comparing(SessionView::startedAt)).orElse(null);
    }

    private StatusReply<SessionView> found(String ref) {
        SessionView s = find(ref);
        return s == null ? StatusReply.error(notFound(ref)) : StatusReply.success(s);
    }

    private StatusReply<Located> located(Snapshot snapshot, String ref) {
        SessionView s = find(ref);
        if (s == null) {
            return StatusReply.error(notFound(ref));
        }
        if (snapshot == null || snapshot.records() == null) {
            return StatusReply.error(conflict("the VM is not running; session " + s.id() + "'s output is in its guest"));
        }
        return StatusReply.success(new Located(snapshot.vm().address(), s));
    }

    private static Rejected refusal(String id, GuestSessions.InputResult result) {
        return switch (result) {
            case EXITED -> conflict("session " + id + " has exited");
            case STDIN_CLOSED -> conflict("session " + id + "'s stdin is closed");
            default -> new Rejected(Rejection.Reason.OPERATION_FAILED,
                    "the guest refused the request for session " + id);
        };
    }

    private static Rejected rejection(String what, Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof Rejected r) {
            return r;
        }
        return new Rejected(Rejection.Reason.OPERATION_FAILED, "could not " + what + ": "
                + (t == null ? "unknown failure" : t.getMessage()));
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static Rejected notFound(String ref) {
        return new Rejected(Rejection.Reason.NOT_FOUND, "no session " + ref + " on this VM");
    }

    private static Rejected conflict(String message) {
        return new Rejected(Rejection.Reason.CONFLICT, message);
    }
}
