package banger.session;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns one {@link VmSessions} per VM, spawned on first use and keyed by VM id; a child stops itself once its VM
 * is gone. (A seam: these children belong under each VM's actor; until then they live here.)
 */
public final class SessionsSupervisor {

    public sealed interface Command {
    }

    /** Hands {@code command} to the sessions of the VM with this id. */
    public record Forward(String vmId, VmSessions.Command command) implements Command {
    }

    private record ChildStopped(String vmId) implements Command {
    }

    private SessionsSupervisor() {
    }

    public static Behavior<Command> create(SessionHost host, GuestSessions guest, Executor io,
                                           SessionSettings settings, Clock clock) {
        return Behaviors.setup(ctx -> {
            Map<String, ActorRef<VmSessions.Command>> children = new HashMap<>();
            return Behaviors.receive(Command.class)
                    .onMessage(Forward.class, f -> {
                        ActorRef<VmSessions.Command> child = children.computeIfAbsent(f.vmId(), id -> {
                            ActorRef<VmSessions.Command> ref = ctx.spawn(Behaviors.supervise(
                                            VmSessions.create(id, host, guest, io, settings, clock))
                                    .onFailure(SupervisorStrategy.restart()), "sessions-" + id);
                            ctx.watchWith(ref, new ChildStopped(id));
                            return ref;
                        });
                        child.tell(f.command());
                        return Behaviors.same();
                    })
                    .onMessage(ChildStopped.class, s -> {
                        children.remove(s.vmId());
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
