package banger.forward;

import banger.core.Rejected;
import banger.core.Rejection;
import banger.persistence.JournalFailures;
import banger.persistence.JsonSerializable;
import banger.vm.VmControl;
import banger.wire.ForwardView;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
 * Every port forward of the daemon: journaled (persistence id {@code PortForwards}), and each one's
 * {@link TcpRelay} listening while the daemon runs. A forward is journaled only once its host port is bound, with
 * the port actually in use, so a restart binds the same port again (a port taken meanwhile leaves the forward
 * listed with the error). A VM's forwards go when the fleet removes the VM ({@link VmRemoved}); after a restart,
 * forwards of VMs the fleet no longer knows are dropped before a relay could reach an address given to another VM.
 */
public final class PortForwards
        extends EventSourcedBehaviorWithEnforcedReplies<PortForwards.Command, PortForwards.Event, PortForwards.State> {

    public interface Command {
    }

    public record Open(String vmId, String vmName, String guestAddress, int guestPort, String hostAddress,
                       int hostPort, ActorRef<StatusReply<ForwardView>> replyTo) implements Command {
    }

    public record ListFor(String vmId, ActorRef<StatusReply<List<ForwardView>>> replyTo) implements Command {
    }

    public record Close(String vmId, String id, ActorRef<StatusReply<ForwardView>> replyTo) implements Command {
    }

    /** The VM is gone: its forwards close. */
    public record VmRemoved(String vmId) implements Command {
    }

    private record Bound(Open open, TcpRelay relay, Throwable failure) implements Command {
    }

    private record Rebound(String id, TcpRelay relay, Throwable failure) implements Command {
    }

    public sealed interface Event extends JsonSerializable {
    }

    public record ForwardOpened(Forward forward) implements Event {
    }

    public record ForwardClosed(String id, String reason, Instant at) implements Event {
    }

    /** Forwards by id, in the order they were opened. */
    public record State(Map<String, Forward> forwards) implements JsonSerializable {

        State apply(Event e) {
            Map<String, Forward> next = new LinkedHashMap<>(forwards);
            if (e instanceof ForwardOpened o) {
                next.put(o.forward().id(), o.forward());
            } else if (e instanceof ForwardClosed c) {
                next.remove(c.id());
            }
            return new State(next);
        }

        List<Forward> of(String vmId) {
            return forwards.values().stream().filter(f -> f.vmId().equals(vmId)).toList();
        }
    }

    public static final String PERSISTENCE_ID = "PortForwards";

    private final ActorContext<Command> ctx;
    private final ForwardSettings settings;
    private final VmControl vms;
    private final Clock clock;
    // transient: what listens now, and why a journaled forward does not
    private final Map<String, TcpRelay> relays = new HashMap<>();
    private final Map<String, String> errors = new HashMap<>();

    public static Behavior<Command> create(ForwardSettings settings, VmControl vms, Clock clock) {
        return Behaviors.setup(ctx -> new PortForwards(ctx, settings, vms, clock));
    }

    private PortForwards(ActorContext<Command> ctx, ForwardSettings settings, VmControl vms, Clock clock) {
        super(PersistenceId.ofUniqueId(PERSISTENCE_ID), JournalFailures.restartWithBackoff());
        this.ctx = ctx;
        this.settings = settings;
        this.vms = vms;
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
    public EventHandler<State, Event> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), this::onRecovered)
                .onSignal(org.apache.pekko.actor.typed.PostStop.instance(), s -> closeAll())
                .onSignal(org.apache.pekko.actor.typed.PreRestart.instance(), s -> closeAll())
                .build();
    }

    private void onRecovered(State s) {
        for (Forward f : s.forwards().values()) {
            ctx.pipeToSelf(TcpRelay.open(ctx.getSystem(), f.hostAddress(), f.hostPort(), guestOf(f), settings),
                    (relay, failure) -> new Rebound(f.id(), relay, failure));
        }
        Set<String> vmIds = s.forwards().values().stream().map(Forward::vmId).collect(Collectors.toSet());
        ActorRef<Command> self = ctx.getSelf();
        // a VM deleted between its removal and ours (a crash) must not keep a relay to its old address
        vmIds.forEach(vmId -> vms.get(vmId).whenComplete((vm, failure) -> {
            if (failure != null && cause(failure) instanceof Rejected r
                    && r.rejection().reason() == Rejection.Reason.NOT_FOUND) {
                self.tell(new VmRemoved(vmId));
            }
        }));
    }

    private void closeAll() {
        relays.values().forEach(TcpRelay::close);
        relays.clear();
    }

    @Override
    public CommandHandlerWithReply<Command, Event, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Open.class, this::onOpen)
                .onCommand(Bound.class, this::onBound)
                .onCommand(Rebound.class, this::onRebound)
                .onCommand(ListFor.class, (s, c) -> Effect().reply(c.replyTo(),
                        StatusReply.success(s.of(c.vmId()).stream().map(this::view).toList())))
                .onCommand(Close.class, this::onClose)
                .onCommand(VmRemoved.class, this::onVmRemoved)
                .build();
    }

    private ReplyEffect<Event, State> onOpen(State s, Open c) {
        if (s.of(c.vmId()).size() >= settings.maxPerVm()) {
            return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                    "VM " + c.vmName() + " has " + settings.maxPerVm() + " port forwards, the most it may have")));
        }
        boolean ours = c.hostPort() != 0 && s.forwards().values().stream()
                .anyMatch(f -> f.hostPort() == c.hostPort() && f.hostAddress().equals(c.hostAddress()));
        if (ours) {
            return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                    c.hostAddress() + ":" + c.hostPort() + " is already forwarded")));
        }
        ctx.pipeToSelf(TcpRelay.open(ctx.getSystem(), c.hostAddress(), c.hostPort(),
                        new InetSocketAddress(c.guestAddress(), c.guestPort()), settings),
                (relay, failure) -> new Bound(c, relay, failure));
        return Effect().noReply();
    }

    private ReplyEffect<Event, State> onBound(State s, Bound b) {
        Open c = b.open();
        if (b.failure() != null) {
            return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.CONFLICT,
                    "cannot listen on " + c.hostAddress() + ":" + c.hostPort() + ": " + describe(b.failure()))));
        }
        Forward f = new Forward("fwd-" + UUID.randomUUID().toString().substring(0, 8), c.vmId(), c.vmName(),
                c.guestAddress(), c.guestPort(), c.hostAddress(), b.relay().port(), clock.instant());
        relays.put(f.id(), b.relay());
        return Effect().persist(new ForwardOpened(f))
                .thenReply(c.replyTo(), st -> StatusReply.success(f.view(null)));
    }

    private ReplyEffect<Event, State> onRebound(State s, Rebound r) {
        Forward f = s.forwards().get(r.id());
        if (r.failure() != null) {
            String error = "cannot listen on " + (f == null ? "?" : f.hostAddress() + ":" + f.hostPort()) + " after "
                    + "the daemon restarted: " + describe(r.failure());
            ctx.getLog().warn("port forward {}: {}", r.id(), error);
            errors.put(r.id(), error);
        } else if (f == null) {
            r.relay().close();
        } else {
            relays.put(r.id(), r.relay());
            errors.remove(r.id());
        }
        return Effect().noReply();
    }

    private ReplyEffect<Event, State> onClose(State s, Close c) {
        Forward f = s.forwards().get(c.id());
        if (f == null || !f.vmId().equals(c.vmId())) {
            return Effect().reply(c.replyTo(), StatusReply.error(new Rejected(Rejection.Reason.NOT_FOUND,
                    "no port forward " + c.id() + " on this VM")));
        }
        ForwardView view = view(f);
        return Effect().persist(new ForwardClosed(f.id(), "removed", clock.instant()))
                .thenRun(st -> release(f.id()))
                .thenReply(c.replyTo(), st -> StatusReply.success(view));
    }

    private ReplyEffect<Event, State> onVmRemoved(State s, VmRemoved c) {
        List<Event> closed = s.of(c.vmId()).stream()
                .map(f -> (Event) new ForwardClosed(f.id(), "VM deleted", clock.instant())).toList();
        if (closed.isEmpty()) {
            return Effect().noReply();
        }
        return Effect().persist(closed)
                .thenRun(st -> closed.forEach(e -> release(((ForwardClosed) e).id())))
                .thenNoReply();
    }

    private void release(String id) {
        TcpRelay relay = relays.remove(id);
        if (relay != null) {
            relay.close();
        }
        errors.remove(id);
    }

    private ForwardView view(Forward f) {
        return f.view(relays.containsKey(f.id()) ? null : errors.getOrDefault(f.id(), "not listening yet"));
    }

    private static InetSocketAddress guestOf(Forward f) {
        return new InetSocketAddress(f.guestAddress(), f.guestPort());
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(Throwable t) {
        Throwable c = cause(t);
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
