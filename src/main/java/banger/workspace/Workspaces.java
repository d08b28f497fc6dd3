package banger.workspace;

import banger.vm.VmControl;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns one {@link Workspace} per VM with guest I/O in flight, spawned on the first job and stopped once its
 * jobs have all ended (it keeps no state worth keeping: the workspace's record is in the VM's journal).
 * Stand-in for the VM actor's child seam: there, each VM would own its Workspace and tell it VmStopped.
 */
public final class Workspaces extends AbstractBehavior<Workspaces.Command> {

    public sealed interface Command {
    }

    /** Hands {@code run} to the VM's Workspace actor (spawning it if needed). */
    public record Submit(GuestTarget target, Workspace.Run<?> run) implements Command {
    }

    /** A Workspace actor's job ended. */
    public record JobEnded(String vmId) implements Command {
    }

    private static final class Child {
        final ActorRef<Workspace.Command> ref;
        int jobs;

        Child(ActorRef<Workspace.Command> ref) {
            this.ref = ref;
        }
    }

    private final VmControl control;
    private final Executor executor;
    private final Duration checkInterval;
    private final Map<String, Child> children = new HashMap<>();
    /** Names a VM's next Workspace apart from the last one, which may still be stopping. */
    private long generation;

    public static Behavior<Command> create(VmControl control, Executor executor, Duration checkInterval) {
        return Behaviors.setup(ctx -> new Workspaces(ctx, control, executor, checkInterval));
    }

    private Workspaces(ActorContext<Command> ctx, VmControl control, Executor executor, Duration checkInterval) {
        super(ctx);
        this.control = control;
        this.executor = executor;
        this.checkInterval = checkInterval;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submit.class, this::onSubmit)
                .onMessage(JobEnded.class, this::onJobEnded)
                .build();
    }

    private Behavior<Command> onSubmit(Submit s) {
        Child child = children.computeIfAbsent(s.target().vmId(), id -> new Child(getContext().spawn(
                Workspace.create(s.target(), control, executor, checkInterval, getContext().getSelf()),
                "workspace-" + id + "-" + generation++)));
        child.jobs++;
        child.ref.tell(s.run());
        return this;
    }

    private Behavior<Command> onJobEnded(JobEnded e) {
        Child child = children.get(e.vmId());
        if (child != null && --child.jobs <= 0) {
            // every job handed to it has ended, so nothing is left in its mailbox to lose
            children.remove(e.vmId());
            getContext().stop(child.ref);
        }
        return this;
    }
}
